"""`bench swe` writes the runner's results store as it grades (one arm per mode, `predictions` for given
predictions), so `scaleagent report OUT --html` works for it; a rerun adds nothing twice."""
import sqlite3
import subprocess
import sys

from agents.swe.bench import run_bench_swe
from tests.agents.swe.test_cli_swe import ROOT, subset  # noqa: F401  (fixture)


def test_graded_predictions_land_in_the_store_and_the_report(subset, sandbox_backend):  # noqa: F811
    out = subset / "out"
    for _ in range(2):  # the rerun keeps every row once
        summary = run_bench_swe(subset / "inst.jsonl", predictions_file=subset / "preds.jsonl", out=out,
                                sandbox=sandbox_backend, workers=2)
    assert summary["store"] == str(out / "results.sqlite")
    db = sqlite3.connect(str(out / "results.sqlite"))
    got = dict(db.execute("SELECT task_id, status FROM tasks WHERE arm_id='predictions'").fetchall())
    assert got == {"confparse-1": "success", "cronparse-1": "failure", "spans-1": "error", "wraptext-1": "error"}
    assert db.execute("SELECT error FROM tasks WHERE task_id='wraptext-1'").fetchone()[0] == "no prediction"
    r = subprocess.run([sys.executable, "-m", "agents.cli", "report", str(out), "--html", str(out / "r.html")],
                       capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 0, r.stderr
    page = (out / "r.html").read_text()
    assert 'id="pareto-plot"' in page and "confparse-1" in page and "1/4" in page
