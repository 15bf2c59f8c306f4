"""Shared helpers of the runner tests: the scripted kind's arms, the CLI in a subprocess, the store's rows."""
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from budgets import Budget

ROOT = Path(__file__).resolve().parents[2]
KIND = "bench-scripted"


def arms(ks=(1,), steps=1, delay=0.0, budgets=(("", None),)):
    import agents.bench.scripted  # noqa: F401  (registers the kind and its model)
    from agents.bench import make_arms

    return make_arms(KIND, modes=[], ks=list(ks), models=["scripted/bench"],
                     budgets=[(t, b or Budget(tokens=100_000)) for t, b in budgets],
                     base={"sandbox": "local", "api_base": None, "price": None},
                     options={"steps": steps, "delay": delay})


def cli_args(out: Path, n: int, *extra: str) -> list[str]:
    return [sys.executable, "-m", "agents.cli", "bench", KIND, "--plugin", "agents.bench.scripted", "--model",
            "scripted/bench", "--sandbox", "local", "--budget", "tokens=100k", "--out", str(out), "--limit", str(n),
            "--json", *extra]


def env() -> dict:
    return dict(os.environ, PYTHONPATH=str(ROOT), LITELLM_LOCAL_MODEL_COST_MAP="True")


def run_cli(out: Path, n: int, *extra: str, timeout: float = 300, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cli_args(out, n, *extra), capture_output=True, text=True, env=env(), cwd=ROOT,
                          timeout=timeout, **kw)


def rows(out: Path) -> list[dict]:
    db = sqlite3.connect(str(out / "results.sqlite"))
    db.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in db.execute("SELECT * FROM tasks")]
    except sqlite3.OperationalError:  # the runner has not created its tables yet
        return []
    finally:
        db.close()


def summary_of(stdout: str) -> dict:
    return json.loads(stdout.strip().splitlines()[-1])


def run_flaky(out: Path, down: Path, *extra: str) -> subprocess.CompletedProcess:
    """`bench` over 2 tasks with tests/bench/flaky_model_plugin.py, whose model raises while `down` exists."""
    args = [a if a != "scripted/bench" else "scripted/flaky" for a in cli_args(out, 2, *extra)]
    args[args.index("agents.bench.scripted")] = "tests.bench.flaky_model_plugin"
    r = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, timeout=300,
                       env=env() | {"SCALEAGENT_TEST_DOWN": str(down)})
    assert "Traceback" not in r.stderr, r.stderr
    return r
