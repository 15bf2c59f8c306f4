"""`scaleagent resume` after SIGKILL, through the CLI, for humaneval and swe, at three kill points
(one run killed inside a step, resumed, killed again inside a later step ..., resumed to the end):
the final result equals an uninterrupted run's, trajectory step ids are unique, and spend is
neither lost nor double-counted (every request the server received is charged exactly once, the
killed step's included: the spend journal). The model is a scripted server on loopback reached
through litellm, so the runs are real HTTP and deterministic."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.fakes.script_server import ScriptServer

ROOT = Path(__file__).resolve().parents[2]
WRONG = "def has_close_elements(numbers, threshold):\n    return False\n"
RIGHT = ("def has_close_elements(numbers, threshold):\n    return any(abs(a - b) < threshold\n"
         "               for i, a in enumerate(numbers) for b in numbers[i + 1:])\n")


def humaneval_reply(messages):
    user = messages[-1]["content"]
    if "assert statements" in user:
        return ("```python\nassert has_close_elements([1.0, 2.0, 3.0], 0.5) == False\n"
                "assert has_close_elements([1.0, 2.8, 3.0, 4.0, 5.0, 2.0], 0.3) == True\n```")
    return "```python\n" + (RIGHT if "A previous attempt" in user else WRONG) + "```"


def cli(*args, cwd):
    env = dict(os.environ, PYTHONPATH=str(ROOT), OPENAI_API_KEY="sk-test", LITELLM_LOCAL_MODEL_COST_MAP="True")
    return subprocess.Popen([sys.executable, "-m", "agents.cli", *args, "--json"], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(proc) -> dict:
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err[-2000:]
    return json.loads(out)


def lines(run_dir: Path) -> list[dict]:
    traj = run_dir / "trajectory.jsonl"
    return [json.loads(x) for x in traj.read_text().splitlines()] if traj.exists() else []


def kill_during_step(proc, server, run_dir: Path, done: int, *, timeout: float = 120) -> None:
    """SIGKILL `proc` while it waits for the model in the step after `done` finished steps: the server
    holds the first request that arrives once `done` steps are written (a step's line is written
    before the next step starts), so the kill lands in that step however loaded the machine is."""
    held = server.held
    server.hold_when = lambda: len(lines(run_dir)) >= done
    deadline = time.time() + timeout
    try:
        while time.time() < deadline and proc.poll() is None and server.held == held:
            time.sleep(0.02)
        assert proc.poll() is None, "the run ended before the kill point"
        assert server.held > held, f"no model request after step {done} within {timeout} s"
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    finally:
        server.release()


def check_resumed(server, ref: dict, resumed: dict, run_dir: Path, killed_requests: int, resumed_requests: int):
    assert resumed["answer"] == ref["answer"] and resumed["status"] == ref["status"]
    assert resumed["steps"] == ref["steps"]
    steps = lines(run_dir)
    assert len(steps) == ref["steps"]
    assert len({(s["stage"], s["step"]) for s in steps}) == len(steps)  # step ids unique
    # every request the server received (the killed one too) is charged once; none twice
    assert resumed["spend"]["model_calls"] == killed_requests + resumed_requests
    assert resumed["spend"]["model_calls"] >= ref["spend"]["model_calls"]


def run_kill_points(tmp_path, server, start_args, kill_points):
    """An uninterrupted reference run; then one run killed inside the step after each kill point in
    turn (started, killed, resumed and killed again ...), resumed to the end at last."""
    ref = finish(cli(*start_args, "--run-dir", str(tmp_path / "ref"), cwd=tmp_path))
    assert ref["steps"] > max(kill_points)  # each kill lands inside a step the reference ran
    run_dir = tmp_path / "killed"
    before = server.received
    for i, done in enumerate(kill_points):
        proc = cli(*start_args, "--run-dir", str(run_dir), cwd=tmp_path) if i == 0 else \
            cli("resume", str(run_dir), cwd=tmp_path)
        kill_during_step(proc, server, run_dir, done)
        assert len(lines(run_dir)) == done and not (run_dir / "result.json").exists()
    killed_requests = server.received - before
    resumed = finish(cli("resume", str(run_dir), cwd=tmp_path))
    check_resumed(server, ref, resumed, run_dir, killed_requests, server.received - before - killed_requests)
    return ref


def test_humaneval_resumes_after_sigkill_at_three_points(tmp_path):
    with ScriptServer(humaneval_reply, latency=0.4) as server:
        args = ["run", "humaneval", "-p", "0", "--k", "2", "--model", "openai/fake-model", "--api-base", server.url,
                "--sandbox", "bwrap"]
        ref = run_kill_points(tmp_path, server, args, kill_points=[0, 1, 2])
    assert ref["passed"] is True and "any(abs(a - b)" in ref["answer"]


@pytest.fixture
def wraptext_file(wraptext, tmp_path):
    inst, src = wraptext
    path = tmp_path / "instances.jsonl"
    path.write_text(inst.model_dump_json() + "\n")
    return path, src


def test_swe_resumes_after_sigkill_at_three_points(tmp_path, wraptext_file):
    from swe_scripted import scripted

    instances, src = wraptext_file
    respond = scripted(src)[0]._default

    class Params:
        temperature = 0.0

    with ScriptServer(lambda messages: respond(messages, Params()), latency=0.3) as server:
        args = ["run", "swe", "--instance", str(instances), "-p", "wraptext-1", "--k", "2", "--model",
                "openai/fake-model", "--api-base", server.url, "--sandbox", "bwrap"]
        ref = run_kill_points(tmp_path, server, args, kill_points=[1, 2, 3])
    assert "needed > width" in json.dumps(ref["answer"])
