"""`--retry-errors` solves again a task whose run failed (every model call failed: the server was
down), instead of resuming its finished checkpoint; a completed task is kept as it was."""
import json
import os
import shutil

from tests.bench.helpers import rows, run_flaky


def test_retry_errors_solves_a_failed_run_again_and_keeps_a_completed_one(tmp_path):
    out, down = tmp_path / "out", tmp_path / "down"
    down.write_text("")
    first = run_flaky(out, down)
    by_id = {r["task_id"]: r for r in rows(out)}
    assert {t: r["status"] for t, r in by_id.items()} == {"t0": "error", "t1": "error"}, first.stderr
    assert "server is down" in by_id["t0"]["error"]
    # t1 completed meanwhile (as if only t0's calls had failed): its finished checkpoint must be resumed as is
    os.remove(down)
    done = run_flaky(tmp_path / "other", down)
    assert {r["task_id"]: r["status"] for r in rows(tmp_path / "other")} == {"t0": "success", "t1": "success"}
    t1 = out / "arms" / "default" / "t1"
    shutil.rmtree(t1)
    shutil.copytree(tmp_path / "other" / "arms" / "default" / "t1", t1)
    (t1 / "bench_row.json").unlink()
    kept = json.loads((t1 / "result.json").read_text())["run_id"]

    again = run_flaky(out, down, "--retry-errors")  # the server is back
    after = {r["task_id"]: r for r in rows(out)}
    assert after["t0"]["status"] == "success", (again.stderr, after["t0"])
    assert after["t0"]["model_calls"] >= 1 and not after["t0"]["error"]
    assert after["t1"]["status"] == "success"
    assert json.loads((t1 / "result.json").read_text())["run_id"] == kept  # resumed, not started over
    assert len(after) == 2 and done.returncode == 0
