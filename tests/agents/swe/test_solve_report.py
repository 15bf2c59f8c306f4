"""What `scaleagent solve` prints about the patch's checks."""
from agents.cli_solve import report
from agents.swe.solve import SolveResult

SPEND = {"cost_usd": 0.0, "input_tokens": 10, "output_tokens": 5, "model_calls": 1, "tool_calls": {}}


def _result(**checks):
    return SolveResult(instance_id="x-1", model_patch="diff --git a/m.py b/m.py\n", status="completed", spend=SPEND,
                       wall_s=1.0, steps=3, run_dir="r", checks=checks)


def test_the_report_says_what_the_tests_said(capsys):
    report(_result(verified=True, score=0.13, reproductions=2, fixed=1, regressions=["tests/t.py::a", "tests/t.py::b"],
                   distrusted=[]), as_json=False)
    out = " ".join(capsys.readouterr().out.split())   # rich wraps long lines
    assert "fixes 1 of 2 generated reproduction tests; breaks 2 existing test(s), first tests/t.py::a" in out
    report(_result(verified=True, score=1.0, reproductions=1, fixed=1, regressions=[], distrusted=[]), as_json=False)
    assert "keeps the existing tests passing" in " ".join(capsys.readouterr().out.split())
    report(_result(verified=False), as_json=False)
    assert "not tested" in capsys.readouterr().out
