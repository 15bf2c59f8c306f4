"""End to end on the embedded local model (smollm2, seconds): `bench humaneval` through the runner (a
worker process loads the model once) with its tasks drawing on a batch budget, the store, and
`report --html` on the result."""
import json
import subprocess
import sys

import pytest

from tests.bench.helpers import ROOT, env

pytestmark = pytest.mark.slow


def test_bench_humaneval_on_the_local_model_then_report(tmp_path):
    from agents.models import list_models

    if not any(m["name"] == "local/smollm2-135m" and m.get("installed") for m in list_models()):
        pytest.skip("local/smollm2-135m is not installed (scaleagent models pull local/smollm2-135m)")
    e = env() | {"SCALEAGENT_LLAMA_THREADS": "1"}
    r = subprocess.run([sys.executable, "-m", "agents.cli", "bench", "humaneval", "--limit", "2", "--mode", "single",
                        "--model", "local/smollm2-135m", "--budget", "tokens=2k", "--batch-budget", "tokens=3k",
                        "--out", str(tmp_path / "out"), "--json"], capture_output=True, text=True, cwd=ROOT, env=e, timeout=600)
    assert r.returncode == 0, r.stderr
    arm = json.loads(r.stdout)["arms"]["single"]
    assert arm["tasks"] == 2 and arm["model_calls"] >= 2 and arm["tokens"] > 0
    assert {t["status"] for t in arm["per_task"]} <= {"completed", "budget_exhausted"}  # graded, not crashed
    assert arm["passed"] == sum(t["passed"] for t in arm["per_task"])
    caps = [json.loads(p.read_text())["config"]["budget"]["tokens"] for p in (tmp_path / "out").rglob("run.json")]
    assert len(caps) == 2 and 1500 in caps and max(caps) <= 2000  # the first an equal share; --budget bounds both
    assert arm["batch_budget"]["total"] == {"tokens": 3000} and arm["batch_budget"]["spent"]["tokens"] == arm["tokens"] <= 3000
    rep = subprocess.run([sys.executable, "-m", "agents.cli", "report", str(tmp_path / "out"), "--html",
                          str(tmp_path / "report.html"), "--json"], capture_output=True, text=True, cwd=ROOT, env=e,
                         timeout=120)
    assert rep.returncode == 0, rep.stderr
    assert json.loads(rep.stdout)["arms"][0]["arm_id"] == "single"
    page = (tmp_path / "report.html").read_text()
    assert "HumanEval/0" in page and 'id="pareto-plot"' in page and "budget the agent saw next" in page


def test_bench_humaneval_over_two_seeds_on_the_local_model(tmp_path):
    """`--seed 0,1`: each arm runs once per seed (the seed in its run config), and the summary's cell over
    the seeds lists each seed's passes, their mean and the mean cost."""
    from agents.models import list_models

    if not any(m["name"] == "local/smollm2-135m" and m.get("installed") for m in list_models()):
        pytest.skip("local/smollm2-135m is not installed (scaleagent models pull local/smollm2-135m)")
    e = env() | {"SCALEAGENT_LLAMA_THREADS": "1"}
    r = subprocess.run([sys.executable, "-m", "agents.cli", "bench", "humaneval", "--limit", "1", "--mode", "best_of_n",
                        "--k", "2", "--seed", "0,1", "--model", "local/smollm2-135m", "--budget", "tokens=1500",
                        "--out", str(tmp_path / "out"), "--json"], capture_output=True, text=True, cwd=ROOT, env=e, timeout=600)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert set(out["arms"]) == {"best_of_n-seed0", "best_of_n-seed1"}
    cell = out["over_seeds"]["best_of_n"]
    assert cell["seeds"] == [0, 1] and cell["passed"] == [out["arms"][a]["passed"] for a in cell["arms"]]
    assert cell["total"] == 1 and cell["mean"] == sum(cell["passed"]) / 2 and cell["cost_usd_mean"] >= 0
    seeds = {p.parent.parent.name: json.loads(p.read_text())["config"].get("seed") for p in (tmp_path / "out").rglob("run.json")}
    assert sorted(seeds.values(), key=str) == [1, None], seeds
