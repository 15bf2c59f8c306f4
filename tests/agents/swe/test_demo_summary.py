"""The demo's closing lines say honestly what scaling bought: the lift when one attempt failed and
the scaled run resolved, nothing when both resolved, a loss when only the single attempt did."""
import importlib.util
import json
from pathlib import Path
from types import SimpleNamespace

from rich.console import Console

ROOT = Path(__file__).resolve().parents[3]


def _demo():
    spec = importlib.util.spec_from_file_location("swe_demo", ROOT / "examples/swe/demo.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _row(label, status, tokens):
    spend = {"input_tokens": tokens, "output_tokens": 0, "model_calls": 2, "tool_calls": {"run_tests": 3},
             "cost_usd": 0.0}
    return (label, status, SimpleNamespace(spend=spend, wall_s=12.0), Path("runs") / label)


def _say(rows):
    con = Console(record=True, width=200)
    _demo()._summary(con, rows, "local/m")
    return " ".join(con.export_text().split())


def test_the_summary_names_the_lift_or_its_absence():
    lift = _say([_row("single", "unresolved", 1747), _row("best_of_n", "resolved", 9000)])
    assert "failed with one attempt and resolved the issue with best_of_n: 9,000 tokens instead of 1,747" in lift
    assert "│ single │ unresolved │ 1,747 │ 2 │ 3 │" in lift
    both = _say([_row("single", "resolved", 1747), _row("best_of_n", "resolved", 9000)])
    assert "one attempt was enough and scaling bought nothing" in both
    loss = _say([_row("single", "resolved", 1747), _row("best_of_n", "unresolved", 9000)])
    assert "One attempt resolved it and the scaled run did not" in loss
    none = _say([_row("single", "unresolved", 1747), _row("best_of_n", "unresolved", 9000)])
    assert "Unresolved" in none and "another --seed" in none


def test_llama_threads_leave_the_cores_other_work_uses(monkeypatch):
    """The demo's single arm took 500 s instead of ~65 s when two spinning llama threads shared two
    cores with another model run: unless the user chose, the demo uses the cores other work leaves
    free now (agents.models.cpu)."""
    from agents.models import cpu

    demo = _demo()
    monkeypatch.setattr(demo.os, "cpu_count", lambda: 2)
    monkeypatch.delenv("SCALEAGENT_LLAMA_THREADS", raising=False)
    for busy, threads in ((0.2, 2), (1.1, 1), (9.0, 1)):
        monkeypatch.setattr(cpu, "busy_cores", lambda busy=busy: busy)
        assert demo._llama_threads() == threads
        monkeypatch.delenv("SCALEAGENT_LLAMA_THREADS")
    monkeypatch.setenv("SCALEAGENT_LLAMA_THREADS", "2")
    assert demo._llama_threads() == 2


def test_time_by_stage_sums_each_stages_steps(tmp_path):
    steps = [{"stage": "localize", "duration_s": 6.7}, {"stage": "patch", "duration_s": 100.2},
             {"stage": "patch", "duration_s": 89.0}, {"stage": "select", "duration_s": 0.0}]
    (tmp_path / "trajectory.jsonl").write_text("\n".join(json.dumps(s) for s in steps) + "\n")
    assert _demo()._stage_times(tmp_path) == "localize 7s, patch 189s, select 0s"
    assert _demo()._stage_times(tmp_path / "missing") == "(no trajectory)"
