"""Issue 17: the generic `bench run swe` path (the kind's bench_tasks → the runner's cells) builds each
instance's test environment while it plans the tasks, before any task's budget clock starts (the
runtime) and before any test run, reports it per task as `env_build`, and a broken environment is
that task's `error` row with the build's reason, before any model call, while the other task runs on
(old code: the environment was built at the task's first test check, inside its seconds)."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "sandboxes"))
from tests.agents.swe.test_env_solve import _instance, _model  # noqa: E402
from pyenv_helpers import make_repo, offline_index, pyproject  # noqa: E402

from agents.swe.instances import Instance  # noqa: E402
from sandboxes import pyenv  # noqa: E402


def _broken(tmp_path: Path):
    """An instance whose project needs a package no index has."""
    files = {**pyproject("brokendemo", ["no-such-package-zq"]), "src/brokendemo/__init__.py": "X = 1\n",
             "tests/test_x.py": "from brokendemo import X\n\n\ndef test_x():\n    assert X == 1\n"}
    sha = make_repo(tmp_path / "broken", files)
    test_patch = ("--- /dev/null\n+++ b/tests/test_y.py\n@@ -0,0 +1,2 @@\n+def test_y():\n+    assert True\n")
    return Instance(instance_id="broken-1", repo=str(tmp_path / "broken"), base_commit=sha, test_patch=test_patch,
                    problem_statement="brokendemo.X should be 2.", FAIL_TO_PASS=["tests/test_y.py::test_y"],
                    PASS_TO_PASS=["tests/test_x.py::test_x"])


def test_bench_run_swe_builds_environments_before_the_tasks_and_reports_them(tmp_path, monkeypatch, sandbox_backend):
    import agents.runtime
    from agents import pipelines
    from agents.bench.arms import make_arms
    from agents.bench.drive import drive
    from agents.bench.store import open_existing
    from budgets import Budget

    offline_index(monkeypatch, tmp_path)
    good, bad = _instance(tmp_path), _broken(tmp_path)
    (tmp_path / "inst.jsonl").write_text(good.model_dump_json() + "\n" + bad.model_dump_json() + "\n")
    order: list[str] = []
    real_init, real_build = agents.runtime.Runtime.__init__, pyenv.build._build

    def init(self, *a, **kw):
        order.append("runtime")  # a task's (or the arms check's) budget tracker and its clock start here
        real_init(self, *a, **kw)

    def build(*a, **kw):
        order.append("build")
        return real_build(*a, **kw)

    monkeypatch.setattr(agents.runtime.Runtime, "__init__", init)
    monkeypatch.setattr(pyenv.build, "_build", build)
    model = _model()
    model.name = "scripted/env-bench"
    # what `scaleagent bench run swe --source inst.jsonl --sandbox S` plans (cli_bench puts --sandbox in the spec)
    said: list[str] = []
    fragments = pipelines.get("swe").bench_tasks({"source": str(tmp_path / "inst.jsonl"), "timeout": 120,
                                                  "sandbox": sandbox_backend, "say": said.append})
    assert order == ["build", "build"]  # both built (one failed) before anything else
    assert said[0].startswith("test environment 1/2 demo-1: built in ") and said[0].endswith(" s")
    assert said[1].startswith("test environment 2/2 broken-1: error: ") and "no-such-package-zq" in said[1]
    arms = make_arms("swe", modes=["best_of_n"], ks=[2], budgets=[("", Budget(tokens=100_000, tools={"run_tests": 20}))],
                     models=[model.name], base={"sandbox": sandbox_backend, "api_base": None, "price": None})
    drive("swe", fragments, arms, out=tmp_path / "out", models={model.name: model})
    assert order.count("build") == 2 and order[2:] and set(order[2:]) == {"runtime"}  # no build inside a task
    store = open_existing(tmp_path / "out")
    try:
        rows = {r["task_id"]: r for r in store.tasks()}
    finally:
        store.close()
    ok, broken = rows["demo-1"], rows["broken-1"]
    assert ok["status"] == "success", ok["error"]
    assert ok["score"]["env_build"]["status"] == "built" and ok["score"]["env_build"]["seconds"] > 0
    assert broken["status"] == "error" and "no-such-package-zq" in broken["error"], broken["error"]
    assert broken["error"].startswith("EnvError: test environment:") and "\n" not in broken["error"]
    assert broken["model_calls"] == 0 and not [c for c in model.calls if "brokendemo" in str(c["messages"])]


def test_the_command_passes_its_sandbox_and_reports_each_task_s_environment(tmp_path, monkeypatch, sandbox_backend):
    """`scaleagent bench run swe` end to end (worker processes, a scripted model from --plugin)."""
    import json
    import os
    import subprocess

    root = Path(__file__).resolve().parents[3]
    offline_index(monkeypatch, tmp_path)  # its variables reach the command and its workers
    good, bad = _instance(tmp_path), _broken(tmp_path)
    (tmp_path / "inst.jsonl").write_text(good.model_dump_json() + "\n" + bad.model_dump_json() + "\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(map(str, (root, Path(__file__).parent))),
               LITELLM_LOCAL_MODEL_COST_MAP="True")
    r = subprocess.run([sys.executable, "-m", "agents.cli", "bench", "run", "swe", "--source", str(tmp_path / "inst.jsonl"),
                        "--mode", "best_of_n", "--k", "2", "--model", "scripted/env-bench", "--plugin", "env_bench_plugin",
                        "--sandbox", sandbox_backend, "--budget", "tokens=100k,run_tests=20", "--workers", "1",
                        "--out", str(tmp_path / "out"), "--json"], cwd=root, env=env, capture_output=True, text=True,
                       timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "test environment 1/2 demo-1: built in " in r.stderr and "test environment 2/2 broken-1: error: " in r.stderr
    (rows,) = json.loads(r.stdout)["per_task"].values()
    by_id = {row["task_id"]: row for row in rows}
    assert by_id["demo-1"]["status"] == "success" and by_id["demo-1"]["score"]["env_build"]["status"] == "built"
    assert by_id["broken-1"]["status"] == "error" and "no-such-package-zq" in by_id["broken-1"]["error"]


def test_bench_swe_reports_a_broken_environment_as_its_reason_not_a_failed_solve(tmp_path):
    from agents.swe.bench_runner import report_of

    row = {"task_id": "broken-1", "status": "error", "run_dir": str(tmp_path),
           "error": "EnvError: test environment: pip install failed: no package no-such-package-zq"}
    rep = report_of(row, "m")
    assert rep["status"] == "error" and rep["reason"] == "test environment: pip install failed: no package no-such-package-zq"
