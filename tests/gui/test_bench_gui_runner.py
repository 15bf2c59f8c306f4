"""`bench gui` through the one benchmark runner, in a subprocess with a worker process and a scripted
model (`--plugin`): the store's rows, the issue's summary keys, screenshots and viewer.html in the
run directory; then a --k sweep over the same --out adds an arm to the same store (the finished arm
is not run again) and `report --html` draws both."""
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=f"{ROOT}{os.pathsep}{Path(__file__).parent}", LITELLM_LOCAL_MODEL_COST_MAP="True")
    return subprocess.run([sys.executable, "-m", "agents.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, env=env)


def _rows(out: Path) -> list[dict]:
    db = sqlite3.connect(str(out / "results.sqlite"))
    db.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in db.execute("SELECT * FROM tasks ORDER BY arm_id")]
    finally:
        db.close()


def test_bench_gui_runs_through_the_runner_and_a_k_sweep_adds_arms_to_the_same_store(tmp_path):
    out = tmp_path / "out"
    bench = ["bench", "gui", "--tasks", "click-test", "--seeds", "0", "--plugin", "scripted_gui_plugin", "--model",
             "scripted/gui", "--max-actions", "3", "--budget", "tokens=50k", "--workers", "1", "--timeout", "240",
             "--out", str(out), "--json"]
    p = _cli(*bench, "--k", "1")
    assert p.returncode == 0, p.stderr[-3000:]
    summary = json.loads(p.stdout)
    assert set(summary) == {"total", "successes", "success_rate", "spend", "per_episode"}
    assert summary["per_episode"] == [{"task": "click-test", "seed": 0, "success": True, "reward": 1.0, "steps": 1}]
    assert summary["total"] == 1 and summary["successes"] == 1 and summary["spend"]["model_calls"] >= 1
    (row,) = _rows(out)
    assert (row["arm_id"], row["task_id"], row["status"], row["success"]) == ("k1", "click-test-s0", "success", 1)
    assert summary["spend"]["cost_usd"] == round(row["cost_usd"], 6) > 0
    run = out / "click-test-s0"
    assert row["run_dir"] == str(run) and list((run / "screens").glob("*.png")) and (run / "viewer.html").is_file()
    assert json.loads((out / "summary.json").read_text()) == summary
    finished = row["finished"]

    p = _cli(*bench, "--k", "1,2")
    assert p.returncode == 0, p.stderr[-3000:]
    sweep = json.loads(p.stdout)
    assert [(a["arm"], a["k"], a["total"], a["successes"]) for a in sweep["arms"]] == [("k1", 1, 1, 1), ("k2", 2, 1, 1)]
    assert all(set(a) >= {"total", "successes", "success_rate", "spend", "per_episode"} for a in sweep["arms"])
    rows = _rows(out)
    assert [(r["arm_id"], r["task_id"]) for r in rows] == [("k1", "click-test-s0"), ("k2", "click-test-s0")]
    assert rows[0]["finished"] == finished  # the finished arm's episode was not run again
    assert (out / "k2" / "click-test-s0" / "viewer.html").is_file()

    rep = _cli("report", str(out), "--html", str(tmp_path / "r.html"))
    assert rep.returncode == 0, rep.stderr[-2000:]
    page = (tmp_path / "r.html").read_text()
    assert 'id="k-plot"' in page and "data:image/png;base64," in page  # success vs K; the screenshots
