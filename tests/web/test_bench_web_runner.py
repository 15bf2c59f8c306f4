"""`bench web` through the one benchmark runner, in a subprocess with worker processes and a scripted
model (`--plugin`): the store's rows, the issue's summary keys per cell, the PNG, `report --html`;
and a SIGKILL mid-run, then the same command again: no question lost or counted twice."""
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
CELLS = ["tracker-search=2_open=2_find=1", "no-tracker-search=2_open=2_find=1"]


def _env(delay: float = 0.0) -> dict:
    return dict(os.environ, PYTHONPATH=f"{ROOT}{os.pathsep}{Path(__file__).parent}",
                LITELLM_LOCAL_MODEL_COST_MAP="True", SCALEAGENT_TEST_MODEL_DELAY=str(delay))


def _args(qfile: Path, index: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "agents.cli", "bench", "web", str(qfile), "--index", str(index), "--plugin",
            "scripted_web_plugin", "--model", "scripted/web", "--k", "1", "--max-steps", "6", "--reanswer-k",
            "2", "--budget", "search=2,open=2,find=1", "--both", "--workers", "1", "--out", str(out), "--json"]


def _rows(out: Path) -> dict[tuple[str, str], dict]:
    if not (out / "results.sqlite").is_file():
        return {}
    db = sqlite3.connect(str(out / "results.sqlite"))
    db.row_factory = sqlite3.Row
    try:
        return {(r["arm_id"], r["task_id"]): dict(r) for r in db.execute("SELECT * FROM tasks")}
    except sqlite3.OperationalError:  # the runner has not created its tables yet
        return {}
    finally:
        db.close()


def test_killed_bench_web_resumes_and_every_question_is_in_the_store_once(web_index, tmp_path):
    qfile, out = tmp_path / "q.jsonl", tmp_path / "out"
    qfile.write_text("".join(json.dumps(q) + "\n" for q in QUESTIONS))
    p = subprocess.Popen(_args(qfile, web_index, out), cwd=ROOT, env=_env(delay=0.4), stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 240
    while len(_rows(out)) < 2 and p.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    os.kill(p.pid, signal.SIGKILL)  # the runner only: its workers die with it
    p.wait()
    before = _rows(out)
    assert 2 <= len(before) < 6, "the kill came too late to test a resume"

    r = subprocess.run(_args(qfile, web_index, out), cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=400)
    assert r.returncode == 0, r.stderr[-3000:]
    summary = json.loads(r.stdout)
    rows = _rows(out)
    assert set(rows) == {(c, q["id"]) for c in CELLS for q in QUESTIONS}  # none lost; the key is unique
    for key, row in before.items():  # finished before the kill: kept, not run again
        assert rows[key]["finished"] == row["finished"] and rows[key]["cost_usd"] == row["cost_usd"]
    db = sqlite3.connect(str(out / "results.sqlite"))
    assert db.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 2
    db.close()

    assert set(summary) == {"cells", "plot", "out", "store"}
    assert [(c["budget"], c["tracker"]) for c in summary["cells"]] == [("search=2,open=2,find=1", t) for t in (True, False)]
    for cell, name in zip(summary["cells"], CELLS):
        assert {"total", "correct", "accuracy", "spend", "per_question"} <= set(cell)
        assert cell["total"] == 3 and cell["correct"] == 2 and cell["accuracy"] == round(2 / 3, 4)  # always 3.9
        assert [q["id"] for q in cell["per_question"]] == ["z", "t", "g"]
        assert all(set(q) == {"id", "correct", "answer"} for q in cell["per_question"])
        a = cell["answers"]  # the verifier's record: "3.9" is proposed for all three, right for z and g only
        assert a["proposed"] == a["verified_right"] + a["verified_wrong"] + a["unverified_right"] + a["unverified_wrong"]
        assert a["verified_right"] + a["unverified_right"] >= 2 and a["verified_wrong"] + a["unverified_wrong"] >= 1
        mine = [r for (arm, _), r in rows.items() if arm == name]
        assert cell["spend"]["cost_usd"] == round(sum(r["cost_usd"] for r in mine), 6) > 0  # totals = sum of tasks
        assert cell["spend"]["model_calls"] == sum(r["model_calls"] for r in mine)
        assert json.loads((out / name / "summary.json").read_text()) == cell
        assert all((out / name / q["id"] / "trajectory.jsonl").is_file() for q in QUESTIONS)
        stages = json.loads((out / name / "z" / "run.json").read_text())["config"]["pipeline_config"]["stages"]
        assert stages[1]["name"] == "research" and stages[1]["reanswer_k"] == 2  # --reanswer-k reaches the stage
    assert Path(summary["plot"]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    rep = subprocess.run([sys.executable, "-m", "agents.cli", "report", str(out), "--html", str(tmp_path / "r.html")],
                         cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=200)
    assert rep.returncode == 0, rep.stderr[-2000:]
    page = (tmp_path / "r.html").read_text()
    assert all(name in page for name in CELLS) and 'id="pareto-plot"' in page
