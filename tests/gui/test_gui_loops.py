"""Loops between no-op actions (issue #13): an action the episode already did on the same page, which
changed nothing there or led round a loop, no longer votes, the model is told which actions changed
nothing, and repeating one anyway is the step's error (so the controller pivots).

The first tests read synthetic snapshots (no browser); the last two run real MiniWoB++ pages in
Chromium with a scripted model that alternates two no-op actions, A, B, A, B."""
from __future__ import annotations

import json

from gui_helpers import actions, base_cfg, browser_leftovers

from agents.cli_gui import run_bench
from agents.gui import loops
from agents.gui.register import bench_tasks
from agents.state import Candidate

P, Q = '[1] input type=checkbox unchecked\n[2] button "Submit"', '[1] input type=checkbox checked\n[2] button "Submit"'
FOCUS, SCROLL = {"action": "click", "id": 1}, {"action": "scroll", "text": "down"}  # both no-ops on enter-text
TYPE, SUBMIT = {"action": "type", "id": 1, "text": "Agustina"}, {"action": "click", "id": 2}  # seed 0's name


def _episode(*steps):
    return [(Candidate(content=a, key=json.dumps(a)), {"page": page}) for a, page in steps]


def test_actions_done_on_this_page_are_known_as_no_ops_or_loops():
    toggle = {"action": "click", "id": 1}
    history = loops.moves(P, _episode((SCROLL, P), (toggle, Q), (toggle, P)))  # P -scroll-> P -A-> Q -A-> P
    known = loops.known(P, history)
    assert known["scroll(down)"] == "scroll(down) changed nothing on this same page before (action 1)"
    assert "goes round a loop" in known["click(1)"] and "(action 2)" in known["click(1)"]
    assert loops.known(Q, history) == {"click(1)": known["click(1)"].replace("action 2", "action 3")}
    assert loops.noops(P, history) == ["scroll(down)"] and loops.noops(Q, history) == []
    advice = loops.advice(P, history)
    assert "Changed nothing on this page (do not repeat them): scroll(down)" in advice
    assert "Lead round a loop back to this page (do not repeat them): click(1)" in advice


def test_an_action_that_lands_on_a_page_already_seen_after_it_is_an_error_and_a_first_one_is_not():
    history = loops.moves(P, _episode((FOCUS, P), (SCROLL, P)))
    assert "again changed nothing on the page (as action 1)" in loops.repeated(FOCUS, P, P, history)
    assert loops.repeated({"action": "press", "text": "tab"}, P, P, history) is None  # never tried: no error
    toggled = loops.moves(P, _episode((FOCUS, Q), (FOCUS, P)))
    assert "going round in a loop" in loops.repeated(FOCUS, P, Q, toggled)
    assert loops.repeated({"action": "done"}, P, P, loops.moves(P, _episode(({"action": "done"}, P)))) is None


def test_nothing_is_known_on_a_page_the_episode_has_not_acted_on():
    history = loops.moves(P, _episode((FOCUS, Q)))
    assert loops.known(Q, history) == {} and loops.advice(Q, history) == ""


def _steps(tmp_path, task="enter-text"):
    lines = (tmp_path / "out" / f"{task}-s0" / "trajectory.jsonl").read_text().splitlines()
    return [json.loads(x) for x in lines]


def test_k1_alternating_two_no_op_actions_is_told_then_an_error_then_a_pivot(tmp_path):
    model = actions(FOCUS, SCROLL, FOCUS, SCROLL, FOCUS, SCROLL)
    cfgs = bench_tasks({"tasks": ["enter-text"], "seeds": [0]})
    run_bench(cfgs, base_cfg(max_pivots=1), tmp_path / "out", models={"scripted": model})
    steps = _steps(tmp_path)
    assert steps[1]["observation"].get("error") is None  # B after A: not yet a loop
    assert "click(1) again changed nothing on the page (as action 1)" in steps[2]["observation"]["error"]
    assert "scroll(down) again changed nothing" in steps[3]["observation"]["error"]
    assert steps[3]["decision"]["action"] == "pivot" and "2 failed actions in a row" in steps[3]["decision"]["reason"]
    third_prompt = model.calls[2]["messages"][-1]["content"]
    assert "Changed nothing on this page (do not repeat them): click(1), scroll(down)" in third_prompt
    assert browser_leftovers() == []


def test_k4_a_no_op_seen_two_actions_ago_no_longer_votes_and_the_loop_is_broken(tmp_path):
    # each step: the greedy proposal, then 3 samples; A, then B (3 votes) over typing, then A (3 votes)
    # over typing again: the old rule caught only an immediate repeat, so A won and the episode failed
    model = actions(FOCUS, FOCUS, FOCUS, FOCUS,
                    SCROLL, SCROLL, SCROLL, TYPE,
                    FOCUS, FOCUS, FOCUS, TYPE,
                    SUBMIT, SUBMIT, SUBMIT, SUBMIT)
    summary, rows = run_bench(bench_tasks({"tasks": ["enter-text"], "seeds": [0]}), base_cfg(k=4), tmp_path / "out",
                              models={"scripted": model})
    assert summary["per_episode"][0]["success"] is True and summary["per_episode"][0]["steps"] == 4
    assert len(model.calls) == 8  # two calls a step, no judge: one action fitted
    third = _steps(tmp_path)[2]
    problems = {v["details"]["action"]: v["details"]["problem"] for v in third["verdicts"]}
    assert problems["click(1)"] == "click(1) changed nothing on this same page before (action 1)"
    assert problems["type(1, 'Agustina')"] is None
    assert "3 proposal(s) did not fit the page" in third["selection"]["reason"]
    assert browser_leftovers() == []
