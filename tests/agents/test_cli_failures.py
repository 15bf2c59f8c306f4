"""A run whose model calls all failed (status "failed", its errors in RunResult.meta["errors"]) is
a failure everywhere: `run`/`resume`/`solve` exit 3 with one line naming the first error, `bench
swe` and `bench humaneval` score the instance `error` with the reason (not unresolved / failed)."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from agents.state import RunResult, Task
from tests.agents.test_run_lock import error_lines

ROOT = Path(__file__).resolve().parents[2]
FIRST = "model openai/fake: authentication failed: check the API key"


def _failed(task_id="HumanEval/0") -> RunResult:
    return RunResult(run_id="r", task=Task(id=task_id, kind="humaneval"), status="failed", steps=2,
                     spend={"cost_usd": 0.0, "input_tokens": 0, "output_tokens": 0, "model_calls": 0, "tool_calls": {}},
                     meta={"errors": [FIRST + "\n(401)", "model openai/fake: later error"]})


@pytest.mark.parametrize("as_json", [False, True])
def test_a_failed_run_exits_3_naming_its_first_error(capsys, as_json):
    from agents import pipelines
    from agents.cli import _finish

    with pytest.raises(SystemExit) as exc:
        _finish(pipelines.get("humaneval-single"), _failed(), {}, Path("runs/x"), as_json)
    assert exc.value.code == 3
    out = capsys.readouterr()
    lines = [ln for ln in out.err.splitlines() if ln.strip()]
    assert len(lines) == 1 and "the run failed" in lines[0] and FIRST in lines[0] and "later error" not in lines[0]
    if as_json:
        assert json.loads(out.out)["status"] == "failed" and json.loads(out.out)["error"].startswith(FIRST)


def test_a_completed_run_is_not_a_failure(capsys):
    from agents import pipelines
    from agents.cli import _finish

    ok = _failed().model_copy(update={"status": "completed", "meta": {}})
    _finish(pipelines.get("humaneval-single"), ok, {}, Path("runs/x"), True)
    assert json.loads(capsys.readouterr().out)["status"] == "completed"


def test_solve_report_exits_3_on_a_failed_solve(capsys):
    from agents.cli_solve import report
    from agents.swe.solve import SolveResult

    res = SolveResult(instance_id="a-1", model_patch="", status="failed", spend=_failed().spend, wall_s=1, steps=1,
                      run_dir="r", error=FIRST)
    with pytest.raises(SystemExit) as exc:
        report(res, True)
    assert exc.value.code == 3 and FIRST in capsys.readouterr().err


def test_bench_humaneval_scores_a_failed_run_as_error(tmp_path):
    from agents.cli_bench import with_errors
    from agents.humaneval.bench import TaskOutcome
    from agents.paths import id_path
    from agents.trajectory import write_atomic

    write_atomic(id_path(tmp_path, "HumanEval/0") / "result.json", _failed().model_dump_json())
    outcomes = [TaskOutcome(task_id="HumanEval/0", passed=False, cost_usd=0, tokens=0, model_calls=0, steps=1,
                            wall_s=1, status="failed", detail="no answer"),
                TaskOutcome(task_id="HumanEval/1", passed=False, cost_usd=0, tokens=9, model_calls=1, steps=1,
                            wall_s=1, status="completed", detail="AssertionError")]
    rows = with_errors(outcomes, tmp_path)
    assert rows["error"] == 1 and rows["error_ids"] == ["HumanEval/0"]
    assert rows["per_task"][0]["status"] == "error" and rows["per_task"][0]["detail"].startswith(FIRST)
    assert rows["per_task"][1]["status"] == "completed"


def test_through_the_cli_a_refused_connection_is_a_failure(tmp_path):
    """End to end (needs the engine's status "failed"): every call to a closed loopback port fails."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), SCALEAGENT_MODEL_RETRIES="0")  # no backoff to sit through
    r = subprocess.run([sys.executable, "-m", "agents.cli", "run", "humaneval-single", "-p", "0", "--model",
                        "openai/fake", "--api-base", "http://127.0.0.1:9/v1", "--sandbox", "local",
                        "--run-dir", "run"],  # no calls cap: retries count against one, ending the run as exhausted
                       capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300)
    assert r.returncode == 3, r.stderr
    errors = [ln for ln in error_lines(r.stderr) if ln.startswith("scaleagent: error:")]
    assert len(errors) == 1 and "the run failed" in errors[0] and "connection" in errors[0].lower(), r.stderr
    assert json.loads((tmp_path / "run" / "result.json").read_text())["status"] == "failed"


@pytest.fixture
def swe_suite_or_skip(tmp_path_factory):
    import shutil

    if shutil.which("git") is None:
        pytest.skip("needs git")
    out = tmp_path_factory.mktemp("suite")
    r = subprocess.run([sys.executable, str(ROOT / "examples/swe/build.py"), "--out", str(out),
                        "--only", "confparse-1"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    return out / "instances.jsonl"


def test_through_the_cli_bench_swe_scores_refused_connections_as_error(swe_suite_or_skip, tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT), SCALEAGENT_MODEL_RETRIES="0")  # no backoff to sit through
    r = subprocess.run([sys.executable, "-m", "agents.cli", "bench", "swe", str(swe_suite_or_skip), "--mode", "single",
                        "--model", "openai/fake", "--api-base", "http://127.0.0.1:9/v1", "--sandbox", "local",
                        "--out", "out", "--json"], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=600)
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    assert summary["error_ids"] == ["confparse-1"] and summary["unresolved"] == 0, summary
    rep = json.loads((tmp_path / "out" / "confparse-1" / "report.json").read_text())
    assert rep["reason"].startswith("solve failed: ") and "connection" in rep["reason"].lower()
    cfg = json.loads((tmp_path / "out" / "confparse-1" / "run" / "run.json").read_text())["config"]
    assert cfg["pipeline"] == "swe" and cfg["api_base"] == "http://127.0.0.1:9/v1"  # `resume` can rebuild it


def test_through_the_cli_bench_humaneval_scores_refused_connections_as_error(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT), SCALEAGENT_MODEL_RETRIES="0")  # no backoff to sit through
    r = subprocess.run([sys.executable, "-m", "agents.cli", "bench", "humaneval", "--limit", "1", "--mode", "single",
                        "--model", "openai/fake", "--api-base", "http://127.0.0.1:9/v1", "--sandbox", "local",
                        "--out", "out", "--json"], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=600)
    assert r.returncode == 0, r.stderr
    arm = json.loads(r.stdout)["arms"]["single"]
    assert arm["error"] == 1 and arm["error_ids"] == ["HumanEval/0"] and arm["passed"] == 0
    assert arm["per_task"][0]["status"] == "error" and "ModelError" in arm["per_task"][0]["detail"]
