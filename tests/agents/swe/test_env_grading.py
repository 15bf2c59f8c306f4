"""Issue 17 through the harness: grading and the pipeline's checks run each repository's tests in
its own environment. Each case ends with the right status and a one-line reason; K candidates of
one instance share one build. Packages come from a local wheel folder (pip --no-index)."""
from __future__ import annotations

import difflib
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "sandboxes"))
from pyenv_helpers import make_repo, offline_index, pyproject  # noqa: E402

from agents.swe.grading import grade  # noqa: E402
from agents.swe.instances import Instance  # noqa: E402
from sandboxes.pyenv import BUILDS, plan_for  # noqa: E402

BUGGY = "from depdemo import double\n\ndef quad(x):\n    return double(x)\n"
FIXED = "from depdemo import double\n\ndef quad(x):\n    return double(double(x))\n"
TEST = "from demo import quad\n\ndef test_quad():\n    assert quad(1) == 4\n\ndef test_zero():\n    assert quad(0) == 0\n"


def diff(path: str, old: str, new: str) -> str:
    return "".join(difflib.unified_diff(old.splitlines(True), new.splitlines(True), f"a/{path}", f"b/{path}"))


def instance(tmp_path: Path, files: dict[str, str], **fields) -> Instance:
    sha = make_repo(tmp_path / "repo", files)
    return Instance(instance_id="t-1", repo=str(tmp_path / "repo"), base_commit=sha, problem_statement="quad is off",
                    FAIL_TO_PASS=["tests/test_demo.py::test_quad"], PASS_TO_PASS=["tests/test_demo.py::test_zero"],
                    **fields)


@pytest.fixture
def wheels(tmp_path, monkeypatch):
    return offline_index(monkeypatch, tmp_path)


def src_project(deps=("depdemo",), **kw) -> dict[str, str]:
    return {**pyproject("demo", list(deps), **kw), "src/demo/__init__.py": BUGGY, "tests/test_demo.py": TEST}


def test_src_layout_with_a_dependency_resolves_with_the_fix_only(tmp_path, wheels, sandbox_backend):
    inst = instance(tmp_path, src_project())
    gold = diff("src/demo/__init__.py", BUGGY, FIXED)
    good = grade(inst, gold, sandbox=sandbox_backend, timeout=120)
    assert good.status == "resolved", good.reason
    empty = grade(inst, "", sandbox=sandbox_backend, timeout=120)
    assert empty.status == "unresolved" and empty.reason.startswith("1/1 FAIL_TO_PASS not passing")


def test_flat_layout_needs_no_build(tmp_path, wheels, sandbox_backend):
    old, new = BUGGY.replace("from depdemo import double", "def double(x):\n    return 2 * x"), None
    new = old.replace("return double(x)\n", "return double(double(x))\n")
    inst = instance(tmp_path, {**pyproject("demo"), "demo/__init__.py": old, "tests/test_demo.py": TEST})
    before = sum(BUILDS.values())
    rep = grade(inst, diff("demo/__init__.py", old, new), sandbox=sandbox_backend, timeout=120)
    assert rep.status == "resolved", rep.reason
    assert sum(BUILDS.values()) == before  # nothing to install: the harness's interpreter ran it


def test_conftest_importing_a_declared_optional_plugin(tmp_path, wheels, sandbox_backend):
    files = src_project(extras={"test": ["pytest-optplug"]})
    files["tests/conftest.py"] = "import pytest_optplug  # noqa\npytest_plugins = ['pytest_optplug']\n"
    files["tests/test_demo.py"] = TEST.replace("def test_zero():", "def test_zero(answer):\n    assert answer == 42")
    inst = instance(tmp_path, files)
    rep = grade(inst, diff("src/demo/__init__.py", BUGGY, FIXED), sandbox=sandbox_backend, timeout=120)
    assert rep.status == "resolved", rep.reason


def test_conftest_importing_an_undeclared_plugin_is_an_error_naming_it(tmp_path, wheels, sandbox_backend):
    files = {**pyproject("demo"), "demo/__init__.py": "def quad(x):\n    return 4 * x\n", "tests/test_demo.py": TEST,
             "tests/conftest.py": "import pytest_optplug  # noqa\n"}
    rep = grade(instance(tmp_path, files), "", sandbox=sandbox_backend, timeout=120)
    assert rep.status == "error" and "pytest_optplug" in rep.reason and "\n" not in rep.reason


def test_install_that_fails_is_an_error_with_the_build_reason(tmp_path, wheels, sandbox_backend):
    inst = instance(tmp_path, src_project(fail="needs a C compiler: cc not found"))
    rep = grade(inst, diff("src/demo/__init__.py", BUGGY, FIXED), sandbox=sandbox_backend, timeout=120)
    assert rep.status == "error" and "\n" not in rep.reason
    assert rep.reason.startswith("environment: pip install failed") and "cc not found" in rep.reason


def test_missing_package_is_an_error_naming_it(tmp_path, wheels, sandbox_backend):
    inst = instance(tmp_path, src_project(deps=["depdemo", "no-such-package-zq"]))
    rep = grade(inst, "", sandbox=sandbox_backend, timeout=120)
    assert rep.status == "error" and "no-such-package-zq" in rep.reason and "\n" not in rep.reason


def test_instance_pip_packages_override_reaches_the_environment(tmp_path, wheels, sandbox_backend):
    files = {"demo/__init__.py": BUGGY, "tests/test_demo.py": TEST}  # declares nothing: detection finds no deps
    inst = instance(tmp_path, files, pip_packages=["depdemo"], unknown_field="ignored")
    rep = grade(inst, diff("demo/__init__.py", BUGGY, FIXED), sandbox=sandbox_backend, timeout=120)
    assert rep.status == "resolved", rep.reason


def test_k_candidates_share_one_build(tmp_path, wheels, sandbox_backend):
    from agents.swe.checks import run_checks
    from agents.swe.instances import materialize_repo

    inst = instance(tmp_path, src_project())
    repo = materialize_repo(inst)
    key = plan_for(repo, inst.base_commit).key()
    before = BUILDS[key]
    patches = [diff("src/demo/__init__.py", BUGGY, FIXED), "", diff("src/demo/__init__.py", BUGGY, FIXED)]
    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(lambda p: run_checks(repo, inst.base_commit, patch=p, targets=inst.FAIL_TO_PASS,
                                                     sandbox=sandbox_backend, timeout=120), patches))
    assert [r.passed("tests/test_demo.py::test_quad") for r in results] == [True, False, True]
    assert BUILDS[key] - before == 1
