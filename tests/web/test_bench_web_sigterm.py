"""SIGTERM on a real `scaleagent bench web` while a model call hangs (issue #12): the command exits (130,
one line, no traceback) without waiting for the call, its worker process is gone, the store holds the
questions finished before the signal and not the interrupted one, and the same command run again
runs the interrupted question and keeps the finished ones as they were."""
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
QUESTIONS = [{"id": "z", "question": "Which version added zoneinfo?", "answers": ["3.9"]},
             {"id": "t", "question": "Which version added tomllib?", "answers": ["3.11"]},
             {"id": "g", "question": "Which version added graphlib?", "answers": ["3.9"]}]
CELL = "tracker-search=2_open=2_find=1"


def _env(**extra: str) -> dict:
    return dict(os.environ, PYTHONPATH=f"{ROOT}{os.pathsep}{Path(__file__).parent}",
                LITELLM_LOCAL_MODEL_COST_MAP="True", **extra)


def _args(qfile: Path, index: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "agents.cli", "bench", "web", str(qfile), "--index", str(index), "--plugin",
            "scripted_web_plugin", "--model", "scripted/web", "--k", "1", "--max-steps", "6", "--budget",
            "search=2,open=2,find=1", "--workers", "1", "--out", str(out), "--json"]


def _rows(out: Path) -> dict[str, dict]:
    db = sqlite3.connect(str(out / "results.sqlite"))
    db.row_factory = sqlite3.Row
    try:
        return {r["task_id"]: dict(r) for r in db.execute("SELECT * FROM tasks WHERE arm_id = ?", (CELL,))}
    finally:
        db.close()


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def test_sigterm_during_a_hung_model_call_exits_and_the_rerun_finishes_the_interrupted_question(web_index, tmp_path):
    qfile, out, mark = tmp_path / "q.jsonl", tmp_path / "out", tmp_path / "hung.pid"
    qfile.write_text("".join(json.dumps(q) + "\n" for q in QUESTIONS))
    p = subprocess.Popen(_args(qfile, web_index, out), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, env=_env(SCALEAGENT_TEST_HANG_ON="added tomllib?", SCALEAGENT_TEST_HANG_MARK=str(mark)))
    try:
        deadline = time.monotonic() + 240
        while not mark.is_file() and p.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert mark.is_file(), "the bench never reached the hanging call"
        time.sleep(0.5)  # the pid is written; the call is hanging now
        worker = int(mark.read_text())
        p.send_signal(signal.SIGTERM)
        _, err = p.communicate(timeout=60)  # a bench that waited for the call would never end
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert p.returncode == 130, err[-2000:]
    assert "Traceback" not in err and "interrupted" in err
    stop = time.monotonic() + 30
    while _alive(worker) and time.monotonic() < stop:
        time.sleep(0.1)
    assert not _alive(worker), "the worker that held the hung call outlived the bench"

    before = _rows(out)
    assert set(before) == {"z"}  # finished before the signal: kept; the interrupted question: no row
    assert before["z"]["status"] == "success"

    r = subprocess.run(_args(qfile, web_index, out), cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=400)
    assert r.returncode == 0, r.stderr[-3000:]
    after = _rows(out)
    assert set(after) == {"z", "t", "g"} and after["t"]["status"] == "failure"  # it answers 3.9
    assert after["z"]["finished"] == before["z"]["finished"]  # not run again
    summary = json.loads(r.stdout)
    assert [q["id"] for q in summary["per_question"]] == ["z", "t", "g"] and summary["correct"] == 2
