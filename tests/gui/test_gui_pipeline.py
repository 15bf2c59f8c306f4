"""The gui pipeline through the bench loop with a scripted model on real pages: success, an invalid
element id, a browser killed or hung mid-episode, a page that never loads — each episode ends with
its reason, no browser or driver process is left, and the bench goes on with the next episode."""
from __future__ import annotations

import json
import os
import signal

from gui_helpers import SilentServer, actions, base_cfg, browser_leftovers

from agents.cli_gui import run_bench
from agents.gui import envs
from agents.gui.register import bench_tasks

CLICK_ME = {"action": "click", "id": 1}


def _signal_browser(sig: int):
    def hit():
        for env in list(envs._LIVE.values()):
            for pid in env.browser.browser_pids():
                os.kill(pid, sig)
        return {"action": "type", "id": 1, "text": "x"}
    return hit


def _bench(tmp_path, model, tasks, **options):
    cfgs = bench_tasks({"tasks": tasks, "seeds": [0]})
    return run_bench(cfgs, base_cfg(**options), tmp_path / "out", models={"scripted": model})


def test_a_success_then_the_summary_has_exactly_the_issue_fields(tmp_path):
    summary, rows = _bench(tmp_path, actions(CLICK_ME), ["click-test"])
    assert set(summary) == {"total", "successes", "success_rate", "spend", "per_episode"}
    assert summary["per_episode"] == [{"task": "click-test", "seed": 0, "success": True, "reward": 1.0, "steps": 1}]
    run = tmp_path / "out" / "click-test-s0"
    assert len(list((run / "screens").glob("*.png"))) == 2  # the start page and after the click
    viewer = (run / "viewer.html").read_text()
    assert "click(1)" in viewer and "data:image/png;base64," in viewer and "success" in viewer
    assert browser_leftovers() == []


def test_an_invalid_element_id_is_shown_to_the_model_and_the_episode_goes_on(tmp_path):
    model = actions({"action": "click", "id": 42}, CLICK_ME)
    summary, rows = _bench(tmp_path, model, ["click-test"])
    assert summary["per_episode"][0]["success"] is True and summary["per_episode"][0]["steps"] == 2
    second_prompt = model.calls[1]["messages"][-1]["content"]
    assert "click(42) -> there is no element [42] on the page" in second_prompt
    assert browser_leftovers() == []


def test_a_browser_killed_mid_episode_ends_it_with_its_reason_and_the_bench_goes_on(tmp_path):
    model = actions({"action": "type", "id": 1, "text": "a"}, _signal_browser(signal.SIGKILL), CLICK_ME)
    summary, rows = _bench(tmp_path, model, ["enter-text", "click-test"])
    assert [r["success"] for r in summary["per_episode"]] == [False, True]
    assert "browser" in rows[0]["reason"] and "episode ended" not in rows[1]["reason"]
    steps = [json.loads(x) for x in (tmp_path / "out" / "enter-text-s0" / "trajectory.jsonl").read_text().splitlines()]
    assert steps[-1]["observation"]["fatal"] and steps[-1]["decision"]["action"] == "stop"
    assert browser_leftovers() == []


def test_a_browser_that_hangs_mid_episode_ends_it_and_leaves_no_process(tmp_path):
    model = actions({"action": "type", "id": 1, "text": "a"}, _signal_browser(signal.SIGSTOP), CLICK_ME)
    cfgs = bench_tasks({"tasks": ["enter-text", "click-test"], "seeds": [0], "env": {"command_timeout": 4}})
    summary, rows = run_bench(cfgs, base_cfg(), tmp_path / "out", models={"scripted": model})
    assert [r["success"] for r in summary["per_episode"]] == [False, True]
    assert "did not answer" in rows[0]["reason"]
    assert browser_leftovers() == []


def test_a_page_that_never_loads_ends_the_episode_and_the_bench_goes_on(tmp_path):
    server = SilentServer()
    try:
        bad = bench_tasks({"tasks": ["click-test"], "seeds": [0],
                           "env": {"base_url": server.url, "page_timeout": 2}})
        good = bench_tasks({"tasks": ["click-test"], "seeds": [1]})
        summary, rows = run_bench(bad + good, base_cfg(), tmp_path / "out", models={"scripted": actions(CLICK_ME)})
    finally:
        server.close()
    assert [r["success"] for r in summary["per_episode"]] == [False, True]
    assert "never loaded" in rows[0]["reason"] and rows[0]["steps"] == 0
    assert browser_leftovers() == []


def test_k4_votes_and_the_judge_breaks_a_tie_with_its_reason(tmp_path):
    judge = json.dumps({"reason": "the button is what the task names", "best": "B", "lost": False})
    done = {"action": "done"}
    model = actions(done, CLICK_ME, done, CLICK_ME, lambda: judge)
    model._responses[-1] = lambda m, p: judge
    summary, rows = _bench(tmp_path, model, ["click-test"], k=4)
    assert summary["per_episode"][0]["success"] is True
    step = json.loads((tmp_path / "out" / "click-test-s0" / "trajectory.jsonl").read_text().splitlines()[0])
    assert "judge picked click(1)" in step["selection"]["reason"] and "the button is" in step["selection"]["reason"]
    judged = [v["details"] for v in step["verdicts"] if v["details"]["judged"]]
    assert {d["action"] for d in judged} == {"click(1)"} and judged[0]["kind"] == "gui.action"
    judge_prompt = model.calls[-1]["messages"][-1]["content"]
    assert 'B: click(1)  on [1] button "Click Me!"  (2 votes)' in judge_prompt and "A: done" in judge_prompt
    assert "the button is what the task names" in (tmp_path / "out" / "click-test-s0" / "viewer.html").read_text()


def test_k4_proposals_that_do_not_fit_the_page_do_not_vote(tmp_path):
    model = actions({"action": "type", "id": 1, "text": "x"}, {"action": "type", "id": 1, "text": "x"},
                    {"action": "click", "id": 7}, CLICK_ME)
    summary, rows = _bench(tmp_path, model, ["click-test"], k=4)
    assert summary["per_episode"][0]["success"] is True and len(model.calls) == 2  # no judge call
    step = json.loads((tmp_path / "out" / "click-test-s0" / "trajectory.jsonl").read_text().splitlines()[0])
    problems = sorted(v["details"]["problem"] or "" for v in step["verdicts"])
    assert problems == ["", "element [1] is a button, not a text field", "element [1] is a button, not a text field",
                        "there is no element [7] on the page"]
    viewer = (tmp_path / "out" / "click-test-s0" / "viewer.html").read_text()
    assert "does not fit: there is no element [7] on the page" in viewer


def test_the_judge_saying_lost_with_no_pivot_left_stops_the_episode(tmp_path):
    judge = json.dumps({"reason": "the form is already wrong", "best": "A", "lost": True})
    focus, submit = {"action": "click", "id": 1}, {"action": "click", "id": 2}
    model = actions(focus, submit, focus, submit)
    model._responses.append(lambda m, p: judge)
    summary, rows = _bench(tmp_path, model, ["enter-text"], k=4)
    steps = [json.loads(x) for x in (tmp_path / "out" / "enter-text-s0" / "trajectory.jsonl").read_text().splitlines()]
    assert len(steps) == 1 and steps[0]["decision"]["action"] == "stop"
    assert "lost and no pivots are left" in steps[0]["decision"]["reason"]
    assert browser_leftovers() == []


def test_a_terminated_bench_leaves_no_browser(tmp_path):
    import subprocess
    import sys
    import time
    from pathlib import Path

    from tools.browser.driver import alive, descendants, kill_all

    script = ("import time, sys; sys.path.insert(0, %r)\n"
              "from agents.gui import envs\n"
              "env = envs.get('k', 'click-test', out_dir=None); env.reset(0)\n"
              "print('ready', flush=True); time.sleep(60)\n") % str(Path(__file__).resolve().parents[2])
    p = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    started: list[int] = []
    try:
        assert p.stdout.readline().strip() == "ready"
        started = descendants(p.pid)
        assert started, "the browser runs below the bench process"
        p.terminate()
        p.wait(timeout=30)
        deadline = time.time() + 10
        while time.time() < deadline and any(alive(x) for x in started):
            time.sleep(0.1)
        assert [x for x in started if alive(x)] == []
    finally:
        p.kill()
        kill_all(started)  # what a failing run left (the processes this test started)


def test_a_loop_is_an_error_and_ends_in_a_pivot_told_what_failed(tmp_path):
    focus = {"action": "click", "id": 1}  # focusing the text field changes nothing on the page
    model = actions(focus, focus, focus, CLICK_ME)
    cfgs = bench_tasks({"tasks": ["enter-text"], "seeds": [0]})
    summary, rows = run_bench(cfgs, base_cfg(max_pivots=1), tmp_path / "out", models={"scripted": model})
    steps = [json.loads(x) for x in (tmp_path / "out" / "enter-text-s0" / "trajectory.jsonl").read_text().splitlines()]
    assert "again changed nothing" in steps[1]["observation"]["error"]
    assert steps[2]["decision"]["action"] == "pivot" and steps[3]["mode"] == "pivot"
    assert "Earlier attempts that failed" in model.calls[3]["messages"][-1]["content"]
    assert "Actions so far:\n- nothing yet" in model.calls[3]["messages"][-1]["content"]
    assert browser_leftovers() == []


def test_the_viewer_escapes_what_the_model_wrote(tmp_path):
    evil = "<script>alert(1)</script>"
    model = actions({"action": "type", "id": 1, "text": evil}, {"action": "done"})
    _bench(tmp_path, model, ["enter-text"])
    page = (tmp_path / "out" / "enter-text-s0" / "viewer.html").read_text()
    assert evil not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
