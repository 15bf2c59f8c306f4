"""Issue 17: building a test environment is reported as its own `env_build` line and charged to
nothing (no tokens, dollars, run_tests call or run seconds): `solve` builds it before the run's
budget clock starts, `bench swe` before taking a solve or grade slot, and neither holds a test-run
slot while building."""
from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "sandboxes"))
from tests.agents.swe.test_env_solve import BUGGY, FIXED, _instance, _model  # noqa: E402
from pyenv_helpers import offline_index  # noqa: E402

from sandboxes import execution, pyenv  # noqa: E402


def _watch_builds(monkeypatch, record) -> list:
    seen: list = []
    real = pyenv.build._build

    def watched(*args, **kw):
        seen.append(record())
        return real(*args, **kw)

    monkeypatch.setattr(pyenv.build, "_build", watched)
    return seen


async def test_solve_builds_before_the_run_and_reports_env_build(tmp_path, monkeypatch, sandbox_backend, capsys):
    import agents.runtime
    from agents.swe import solve_instance

    offline_index(monkeypatch, tmp_path)
    inst = _instance(tmp_path)
    order: list[str] = []
    real_init = agents.runtime.Runtime.__init__

    def init(self, *a, **kw):
        order.append("runtime")  # the run's budget tracker (and its clock) starts here
        real_init(self, *a, **kw)

    monkeypatch.setattr(agents.runtime.Runtime, "__init__", init)
    seen = _watch_builds(monkeypatch, lambda: (order.append("build"), execution.RUNNING["now"])[1])
    res = await solve_instance(inst, model=_model(), run_dir=tmp_path / "run", mode="single", k=1,
                               sandbox=sandbox_backend)
    assert seen == [0] and order[:2] == ["build", "runtime"]
    assert res.env_build["status"] == "built" and res.env_build["key"] and res.env_build["seconds"] > 0
    assert "env_build" not in res.spend
    from agents.cli_solve import _print

    _print(res)  # the CLI's summary says it in the words env build and bench use (pyenv.describe)
    assert "test environment (not charged): built in " in capsys.readouterr().out


def test_bench_reports_env_build_per_instance_and_in_the_summary(tmp_path, monkeypatch, sandbox_backend):
    import difflib

    from agents.swe.bench import run_bench_swe

    offline_index(monkeypatch, tmp_path)
    inst = _instance(tmp_path)
    gold = "".join(difflib.unified_diff(BUGGY.splitlines(True), FIXED.splitlines(True),
                                        "a/src/demo/__init__.py", "b/src/demo/__init__.py"))
    (tmp_path / "inst.jsonl").write_text(inst.model_dump_json() + "\n")
    (tmp_path / "preds.jsonl").write_text(json.dumps({"instance_id": inst.instance_id, "model_name_or_path": "gold",
                                                      "model_patch": gold}) + "\n")
    bench = {}
    seen = _watch_builds(monkeypatch, lambda: (bench["b"].grade_slots._value, execution.RUNNING["now"]))
    summary = run_bench_swe(tmp_path / "inst.jsonl", predictions_file=tmp_path / "preds.jsonl", out=tmp_path / "out",
                            sandbox=sandbox_backend, workers=1,
                            on_progress=lambda e: bench.setdefault("b", e.get("bench")))
    assert seen == [(1, 0)]  # the one grade slot and every test-run slot were free while it built
    assert summary["resolved"] == 1
    assert summary["env_build"]["built"] == 1 and summary["env_build"]["seconds"] > 0
    assert set(summary["spend"]) == {"cost_usd", "input_tokens", "output_tokens", "model_calls"}
    report = json.loads((tmp_path / "out" / inst.instance_id / "report.json").read_text())
    assert report["env_build"]["status"] == "built" and report["env_build"]["reason"] == ""
