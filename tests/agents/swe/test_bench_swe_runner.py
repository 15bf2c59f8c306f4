"""`bench swe` (solving) through the one benchmark runner, in a subprocess with a worker process and a
scripted model (`--plugin`): the store's row, the summary keys `bench swe --json` always had, and the
files it always wrote (OUT/<id>/report.json, OUT/predictions.jsonl, OUT/summary.json); a rerun over
the same --out runs nothing again."""
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
KEYS = {"total", "resolved", "unresolved", "error", "resolve_rate", "resolved_ids", "unresolved_ids", "error_ids",
        "spend", "env_build", "instances", "predictions", "out", "sandbox", "store", "wall_s", "model", "mode"}


@pytest.fixture(scope="module")
def wraptext_file(tmp_path_factory):
    out = tmp_path_factory.mktemp("swe")
    subprocess.run([sys.executable, str(ROOT / "examples/swe/build.py"), "--out", str(out), "--only", "wraptext-1"],
                   check=True, capture_output=True, timeout=300)
    return out / "instances.jsonl"


def _bench(instances: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    here = Path(__file__).parent
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(map(str, (ROOT, here.parent, here))),
               LITELLM_LOCAL_MODEL_COST_MAP="True")
    return subprocess.run([sys.executable, "-m", "agents.cli", "bench", "swe", str(instances), "--mode", "single",
                           "--k", "1", "--model", "scripted/swe", "--plugin", "swe_runner_plugin", "--sandbox", "local",
                           "--budget", "tokens=100k,run_tests=10", "--workers", "1", "--out", str(out), "--json", *extra],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


def test_bench_swe_solves_through_the_runner_and_keeps_its_files_and_summary(wraptext_file, tmp_path):
    out = tmp_path / "out"
    r = _bench(wraptext_file, out)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "test environment 1/1 wraptext-1: not needed" in r.stderr  # a repository with nothing to install
    summary = json.loads(r.stdout)
    assert set(summary) == KEYS and summary["resolved_ids"] == ["wraptext-1"] and summary["mode"] == "single"
    db = sqlite3.connect(str(out / "results.sqlite"))
    db.row_factory = sqlite3.Row
    (row,) = [dict(x) for x in db.execute("SELECT * FROM tasks")]
    (arm,) = [dict(x) for x in db.execute("SELECT * FROM arms")]
    db.close()
    assert (row["arm_id"], row["task_id"], row["status"], row["success"]) == ("single", "wraptext-1", "success", 1)
    assert (arm["kind"], arm["mode"], arm["k"], arm["model"]) == ("swe", "single", 1, "scripted/swe")
    assert summary["spend"]["model_calls"] == row["model_calls"] >= 1
    assert row["run_dir"] == str(out / "wraptext-1" / "run") and (out / "wraptext-1" / "run" / "patch.diff").is_file()
    rep = json.loads((out / "wraptext-1" / "report.json").read_text())
    assert rep["status"] == "resolved" and rep["solve"]["spend"]["model_calls"] == row["model_calls"]
    (pred,) = [json.loads(x) for x in (out / "predictions.jsonl").read_text().splitlines()]
    assert pred["instance_id"] == "wraptext-1" and "needed > width" in pred["model_patch"]
    assert json.loads((out / "summary.json").read_text()) == summary

    again = _bench(wraptext_file, out)
    assert again.returncode == 0, again.stderr[-3000:]
    assert json.loads(again.stdout)["resolved_ids"] == ["wraptext-1"]
    db = sqlite3.connect(str(out / "results.sqlite"))
    assert db.execute("SELECT COUNT(*), MAX(finished) FROM tasks").fetchone() == (1, row["finished"])  # not rerun
    db.close()


def test_bench_swe_draws_on_a_batch_budget(wraptext_file, tmp_path):
    out = tmp_path / "out"
    r = _bench(wraptext_file, out, "--batch-budget", "tokens=60k,run_tests=6")
    assert r.returncode == 0, r.stderr[-3000:]
    summary = json.loads(r.stdout)
    assert summary["batch_budget"]["total"] == {"tokens": 60000, "run_tests": 6}
    assert summary["batch_budget"]["spent"]["tokens"] == summary["spend"]["input_tokens"] + summary["spend"]["output_tokens"]
    budget = json.loads((out / "wraptext-1" / "run" / "run.json").read_text())["config"]["budget"]
    assert (budget["tokens"], budget["tools"]) == (60000, {"run_tests": 6})  # one task: the batch, under --budget
    bad = _bench(wraptext_file, tmp_path / "bad", "--batch-budget", "search=3")
    assert bad.returncode == 2 and "bad --batch-budget" in bad.stderr and "Traceback" not in bad.stderr


def test_bench_swe_sweeps_modes_and_budgets_as_arms_of_one_store(wraptext_file, tmp_path):
    out = tmp_path / "sweep"
    here = Path(__file__).parent
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(map(str, (ROOT, here.parent, here))),
               LITELLM_LOCAL_MODEL_COST_MAP="True")
    r = subprocess.run([sys.executable, "-m", "agents.cli", "bench", "swe", str(wraptext_file), "--mode",
                        "single,best_of_n", "--k", "1", "--model", "scripted/swe", "--plugin", "swe_runner_plugin",
                        "--sandbox", "local", "--budget", "tokens=100k,run_tests=10", "--budget",
                        "tokens=90k,run_tests=10", "--workers", "1", "--out", str(out), "--json"],
                       cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    summary = json.loads(r.stdout)
    assert len(summary["arms"]) == 4
    db = sqlite3.connect(str(out / "results.sqlite"))
    arms = {a for (a,) in db.execute("SELECT arm_id FROM arms")}
    tasks = db.execute("SELECT arm_id, task_id, status FROM tasks").fetchall()
    db.close()
    assert arms == set(summary["arms"]) and len(tasks) == 4
    assert {m for a in summary["arms"].values() for m in [a["mode"]]} == {"single", "best_of_n"}
    for arm_id, one in summary["arms"].items():
        root = Path(one["out"])
        assert root.parent == out and set(one) >= KEYS - {"out"}
        assert one["resolved_ids"] == ["wraptext-1"], (arm_id, one)
        assert json.loads((root / "wraptext-1" / "report.json").read_text())["status"] == "resolved"
        assert json.loads((root / "summary.json").read_text()) == one
        (pred,) = (root / "predictions.jsonl").read_text().splitlines()
        assert json.loads(pred)["instance_id"] == "wraptext-1"
    assert json.loads((out / "summary.json").read_text()) == summary


def test_bench_swe_refuses_a_bad_mode_in_a_sweep_before_writing(wraptext_file, tmp_path):
    r = subprocess.run([sys.executable, "-m", "agents.cli", "bench", "swe", str(wraptext_file), "--mode",
                        "single,best", "--out", str(tmp_path / "o")], cwd=ROOT, capture_output=True, text=True,
                       timeout=300, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert r.returncode == 2 and r.stderr.strip().splitlines() == [
        "scaleagent: error: bad --mode 'best': choose single, best_of_n or scaled (or a list of them)"]
    assert not (tmp_path / "o").exists()


def test_bench_swe_runs_every_arm_once_per_seed_and_summarizes_the_cell(wraptext_file, tmp_path):
    out = tmp_path / "seeds"
    r = _bench(wraptext_file, out, "--seed", "0,2")
    assert r.returncode == 0, r.stderr[-3000:]
    summary = json.loads(r.stdout)
    assert set(summary["arms"]) == {"single-seed0", "single-seed2"}
    assert summary["over_seeds"] == {"single": {
        "seeds": [0, 2], "resolved": [1, 1], "mean": 1.0, "min": 1, "max": 1, "total": 1, "arms": ["single-seed0", "single-seed2"],
        "cost_usd_mean": summary["over_seeds"]["single"]["cost_usd_mean"]}}
    configs = {a: json.loads((out / a / "wraptext-1" / "run" / "run.json").read_text())["config"] for a in summary["arms"]}
    assert "seed" not in configs["single-seed0"] and configs["single-seed2"]["seed"] == 2
    assert summary["arms"]["single-seed2"]["seed"] == 2
    bad = _bench(wraptext_file, tmp_path / "bad", "--seed", "1-x")
    assert bad.returncode == 2 and bad.stderr.strip().splitlines()[-1].endswith(
        "bad --seed '1-x': use e.g. 0-4 or 0,2,5") and not (tmp_path / "bad").exists()
