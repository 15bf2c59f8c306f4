"""benchmarks/swe_scaling.py: plan modes (scaled+NAME) reach the arm's run config, the Pareto PNG,
and a plan mode without its plan is refused before anything runs."""
import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks/swe_scaling.py"


def _module():
    spec = importlib.util.spec_from_file_location("swe_scaling", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_a_plan_reaches_the_arm(tmp_path, monkeypatch):
    from agents.swe import bench, bench_runner
    from budgets import Budget

    plan = tmp_path / "plan.yaml"
    plan.write_text("stages:\n  patch: {k: 2, temperature: 0.4}\n")
    seen = {}
    monkeypatch.setattr(bench, "check_model", lambda *a, **k: None)
    monkeypatch.setattr(bench_runner, "run", lambda p, arms, quiet: seen.setdefault("arms", arms) and {})
    bench.run_bench_swe(ROOT / "examples/swe/instances.jsonl", out=tmp_path / "out", model="local/m",
                        budget=Budget.parse("tokens=8k,run_tests=8"), mode="scaled", k=4, plan=plan,
                        ids=["wraptext-1"])
    (arm,) = seen["arms"]
    assert arm.mode == "scaled" and arm.config["plan"]["stages"]["patch"] == {"k": 2, "temperature": 0.4}


def test_the_pareto_plot_is_a_png(tmp_path):
    rows = [{"model": "m", "budget": b, "mode": mode, "resolved": r, "total": 12, "cost_usd": c}
            for b, mode, r, c in [("-", "single", 1, 0.002), ("tokens=8k,run_tests=8", "best_of_n", 2, 0.01),
                                  ("tokens=8k,run_tests=8", "scaled+tuned", 3, 0.009)]]
    png = tmp_path / "p" / "pareto.png"
    _module().plot(rows, png)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_plan_mode_needs_its_plan():
    r = subprocess.run([sys.executable, str(SCRIPT), "--modes", "single,scaled+tuned"], cwd=ROOT,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "scaled+NAME with NAME=FILE in --plans" in r.stderr
    assert "Traceback" not in r.stderr
    r = subprocess.run([sys.executable, str(SCRIPT), "--plans", "tuned"], cwd=ROOT, capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 2 and "bad --plans 'tuned'" in r.stderr and "Traceback" not in r.stderr


def test_a_missing_plan_file_is_one_line(tmp_path):
    r = subprocess.run([sys.executable, str(SCRIPT), "--modes", "scaled+t", "--plans", f"t={tmp_path}/none.yaml",
                        "--ids", "wraptext-1", "--out", str(tmp_path / "out")], cwd=ROOT, capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 1 and r.stderr.strip().count("\n") == 0, r.stderr
    assert "swe_scaling: error:" in r.stderr and "none.yaml does not exist" in r.stderr
