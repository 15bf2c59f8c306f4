"""A budget that could not hold is a one-line error before anything runs (issue: typos such as
`tokns=` or `run-tests=` became caps on tools that do not exist, `--budget ''` ran unlimited, and a
usd cap on a model without a price was never enforced)."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def cli(*args, cwd):
    env = dict(os.environ, PYTHONPATH=str(ROOT), LITELLM_LOCAL_MODEL_COST_MAP="True", SCALEAGENT_MODEL_RETRIES="0")
    return subprocess.run([sys.executable, "-m", "agents.cli", *args], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=120)


@pytest.mark.parametrize("budget, says", [
    ("tokns=300", "did you mean 'tokens'"),
    ("run-tests=1", "run_tests"),
    ("", "budget"),
])
@pytest.mark.parametrize("command", [["run", "humaneval", "-p", "0"], ["bench", "humaneval", "--limit", "1"]])
def test_a_budget_that_could_not_hold_is_refused_before_anything_runs(tmp_path, command, budget, says):
    out = tmp_path / "out"
    target = ["--run-dir", str(out)] if command[0] == "run" else ["--out", str(out)]
    r = cli(*command, "--budget", budget, "--model", "local/smollm2-135m", *target, cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.strip() and "Warning" not in ln]
    assert len(lines) == 1 and says in lines[0] and "Traceback" not in r.stderr
    assert not out.exists()  # nothing written


def test_a_usd_cap_on_a_model_without_a_price_needs_one(tmp_path):
    r = cli("run", "humaneval", "-p", "0", "--model", "openai/no-such-priced-model", "--api-base",
            "http://127.0.0.1:9", "--budget", "usd=0.01", "--run-dir", str(tmp_path / "r"), cwd=tmp_path)
    assert r.returncode == 2 and "--price" in r.stderr and not (tmp_path / "r" / "trajectory.jsonl").exists()
