"""The pipeline in a repository's environment, end to end: a src/ layout with a runtime dependency
(from a local wheel), solved by best-of-N. Every candidate's reproduction and regression tests run
in the one environment built for the base commit (one build), and the patch grades resolved."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # swe_scripted
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "sandboxes"))
from pyenv_helpers import make_repo, offline_index, pyproject  # noqa: E402

from agents.models.scripted import ScriptedModel  # noqa: E402
from agents.swe import solve_instance  # noqa: E402
from agents.swe.grading import grade  # noqa: E402
from agents.swe.instances import Instance, materialize_repo  # noqa: E402
from sandboxes.pyenv import BUILDS, plan_for  # noqa: E402

BUGGY = "from depdemo import double\n\n\ndef quad(x):\n    return double(x)\n"
FIXED = "from depdemo import double\n\n\ndef quad(x):\n    return double(double(x))\n"
TEST = "from demo import quad\n\n\ndef test_zero():\n    assert quad(0) == 0\n"
HIDDEN = "from demo import quad\n\n\ndef test_one():\n    assert quad(1) == 4\n"


def _instance(tmp_path: Path) -> Instance:
    files = {**pyproject("demo", ["depdemo"]), "src/demo/__init__.py": BUGGY, "tests/test_demo.py": TEST}
    sha = make_repo(tmp_path / "repo", files)
    test_patch = ("--- /dev/null\n+++ b/tests/test_hidden.py\n@@ -0,0 +1,5 @@\n"
                  + "".join("+" + ln + "\n" for ln in HIDDEN.splitlines()))
    return Instance(instance_id="demo-1", repo=str(tmp_path / "repo"), base_commit=sha, test_patch=test_patch,
                    problem_statement="quad(1) returns 2, but quad should multiply by four: expected 4.",
                    FAIL_TO_PASS=["tests/test_hidden.py::test_one"], PASS_TO_PASS=["tests/test_demo.py::test_zero"])


def _model() -> ScriptedModel:
    def respond(messages, params):
        user = messages[-1]["content"]
        if "Which file and function" in user:
            return "src/demo/__init__.py::quad"
        if "pytest file" in user:
            return "```python\nfrom demo import quad\n\ndef test_four():\n    assert quad(1) == 4\n```"
        if "File src/demo/__init__.py" in user:
            return "```python\n" + FIXED + "```"
        return '{"best": 0}'
    return ScriptedModel(default=respond)


async def test_best_of_n_in_the_environment_builds_once_and_resolves(tmp_path, monkeypatch, sandbox_backend):
    offline_index(monkeypatch, tmp_path)
    inst = _instance(tmp_path)
    key = plan_for(materialize_repo(inst), inst.base_commit).key()
    before = BUILDS[key]
    res = await solve_instance(inst, model=_model(), run_dir=tmp_path / "run", mode="best_of_n", k=3,
                               sandbox=sandbox_backend)
    assert "double(double(x))" in res.model_patch
    assert res.checks.get("verified") and res.checks.get("fixed", 0) >= 1, res.checks
    assert not res.checks.get("regressions")
    assert grade(inst, res.model_patch, sandbox=sandbox_backend, timeout=120).status == "resolved"
    assert BUILDS[key] - before == 1


@pytest.mark.slow
async def test_local_model_solve_runs_in_the_environment(tmp_path, monkeypatch, sandbox_backend):
    from budgets import Budget

    offline_index(monkeypatch, tmp_path)
    inst = _instance(tmp_path)
    key = plan_for(materialize_repo(inst), inst.base_commit).key()
    before = BUILDS[key]
    res = await solve_instance(inst, model="local/smollm2-135m", run_dir=tmp_path / "run", mode="best_of_n", k=2,
                               budget=Budget(tokens=4000, tools={"run_tests": 6}), sandbox=sandbox_backend)
    assert res.steps >= 1
    report = grade(inst, res.model_patch, sandbox=sandbox_backend, timeout=120)
    # whatever the small model wrote, the tests ran: never an environment or collection error
    assert report.status != "error" or report.reason.startswith("model patch does not apply"), report.reason
    assert BUILDS[key] - before == 1  # the environment came from the one build, for solve and grading
