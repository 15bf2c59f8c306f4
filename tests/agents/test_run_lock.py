"""One process at a time per run directory: a second `resume` (or a run and a resume) of one
directory is a one-line error naming the holder's pid, and a killed holder frees it."""
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from agents.errors import RunLocked
from agents.trajectory import run_lock

ROOT = Path(__file__).resolve().parents[2]
ENV = dict(os.environ, PYTHONPATH=str(ROOT))
HOLD = ("import sys, time; from agents.trajectory import run_lock\n"
        "with run_lock(sys.argv[1]):\n print('held', flush=True); time.sleep(60)")


def error_lines(stderr: str) -> list[str]:
    """stderr's lines, less Python warnings (`file:line: XWarning: …` and its source line), which
    other modules may emit at import time and which are not the command's output."""
    out, skip = [], False
    for ln in stderr.splitlines():
        if re.match(r"^\S+:\d+: \w*Warning: ", ln):
            skip = True
            continue
        if skip and ln.startswith("  "):
            skip = False
            continue
        skip = False
        if ln.strip():
            out.append(ln)
    return out


def _holder(run_dir: Path) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(run_dir)], stdout=subprocess.PIPE, text=True, env=ENV)
    assert proc.stdout.readline().strip() == "held"
    return proc


def _run_dir(tmp_path: Path) -> Path:
    """A humaneval run directory as `scaleagent run` writes it (run.json only: enough for resume)."""
    d = tmp_path / "run"
    d.mkdir()
    cfg = {"pipeline": "humaneval-single", "options": {}, "task_id": "HumanEval/0", "model": "openai/fake",
           "budget": {"model_calls": 1}, "sandbox": "local", "api_base": "http://127.0.0.1:9/v1", "price": None}
    (d / "run.json").write_text(json.dumps({"run_id": "abc", "config": cfg, "version": 2}))
    return d


def test_a_second_resume_is_refused_while_the_first_holds_the_directory(tmp_path):
    d = _run_dir(tmp_path)
    holder = _holder(d)
    try:
        r = subprocess.run([sys.executable, "-m", "agents.cli", "resume", str(d)], capture_output=True, text=True,
                           env=ENV, timeout=120)
    finally:
        holder.kill()
        holder.wait()
    lines = error_lines(r.stderr)
    assert r.returncode == 2 and len(lines) == 1 and "Traceback" not in r.stderr, r.stderr
    assert f"in use by process {holder.pid}" in lines[0]
    assert not (d / "trajectory.jsonl").exists() and not (d / "checkpoints.sqlite").exists()  # it did nothing


def test_a_killed_holder_frees_the_directory(tmp_path):
    d = _run_dir(tmp_path)
    holder = _holder(d)
    with pytest.raises(RunLocked, match=str(holder.pid)):
        with run_lock(d):
            pass
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    deadline = time.time() + 10
    while True:
        try:
            with run_lock(d):
                assert (d / ".lock").read_text().strip() == str(os.getpid())
            break
        except RunLocked:
            assert time.time() < deadline
            time.sleep(0.05)


def test_the_lock_is_reentrant_in_one_process(tmp_path):
    with run_lock(tmp_path / "r"):
        with run_lock(tmp_path / "r"):
            pass
        proc = subprocess.run([sys.executable, "-c", HOLD, str(tmp_path / "r")], capture_output=True, text=True,
                              env=ENV, timeout=60)
        assert proc.returncode != 0 and "in use by process" in proc.stderr  # still held after the inner exit


def test_a_resume_while_the_run_is_going_is_refused(tmp_path):
    """Two real CLI processes: `run` (slow model server) and `resume` of the same directory."""
    from tests.fakes.openai_server import FakeOpenAIServer

    # the model's answer is held until the resume has been refused: with a fixed latency (8 s) a
    # `resume` that took longer to start on a loaded machine found the run already finished
    with FakeOpenAIServer(hang_seconds=240) as server:
        server.hold = threading.Event()
        args = ["--model", "openai/fake-model", "--api-base", server.url, "--sandbox", "local"]
        first = subprocess.Popen([sys.executable, "-m", "agents.cli", "run", "humaneval-single", "-p", "0", *args,
                                  "--run-dir", "run", "--json"], cwd=tmp_path, env=ENV, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 60
        while not (tmp_path / "run" / "run.json").is_file():
            assert time.time() < deadline and first.poll() is None
            time.sleep(0.05)
        second = subprocess.run([sys.executable, "-m", "agents.cli", "resume", "run"], cwd=tmp_path, env=ENV,
                                capture_output=True, text=True, timeout=120)
        server.hold.set()
        out, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    lines = error_lines(second.stderr)
    assert second.returncode == 2 and len(lines) == 1 and f"in use by process {first.pid}" in lines[0], second.stderr
    steps = [json.loads(ln) for ln in (tmp_path / "run" / "trajectory.jsonl").read_text().splitlines()]
    assert len(steps) == json.loads(out)["steps"] == len({(s["stage"], s["step"]) for s in steps})
    assert len(server.completed()) == 1  # one model call: the refused resume spent nothing
