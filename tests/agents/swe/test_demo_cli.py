"""`examples/swe/demo.py` given bad input: one line on stderr, exit 2, no traceback (before: a
BudgetError/PlanError/CalledProcessError traceback, and an unknown model ran the whole pipeline as
stage errors and ended "Unresolved")."""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("args, says", [
    (["--budget", "tokens=abc"], "bad value 'abc' for 'tokens'"),
    (["--plan", "/nonexistent/plan.yaml"], "does not exist"),
    (["--model", "local/nope"], "unknown local model 'local/nope'"),
    (["--id", "nosuch-9"], "could not build nosuch-9: ERROR: unknown instance id(s): nosuch-9"),
])
def test_bad_input_is_one_line_and_exit_2(args, says, tmp_path):
    r = subprocess.run([sys.executable, str(ROOT / "examples/swe/demo.py"), *args, "--out", str(tmp_path / "b")],
                       capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("demo: ") and says in lines[0], r.stderr
    assert "Traceback" not in r.stderr
