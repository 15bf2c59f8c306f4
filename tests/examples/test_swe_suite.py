"""The SWE example suite (examples/swe): deterministic build, gold patches resolve, no-patch resolves nothing."""
import importlib.util
import json
import shutil
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SWE = ROOT / "examples" / "swe"

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs the git command line")


def _load(name):
    spec = importlib.util.spec_from_file_location(f"swe_suite_{name}", SWE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _quiet(*_args, **_kwargs):
    pass


@pytest.fixture(scope="module")
def build_mod():
    return _load("build")


@pytest.fixture(scope="module")
def built(build_mod, tmp_path_factory):
    # check=True (the default) already fails if a SHA differs from examples/swe/instances.jsonl
    return build_mod.build(tmp_path_factory.mktemp("swe-build-a"), log=_quiet)


def test_build_is_deterministic(build_mod, built, tmp_path):
    again = build_mod.build(tmp_path / "b", check=False, log=_quiet)
    first = [(r["instance_id"], r["base_commit"]) for r in built]
    assert first == [(r["instance_id"], r["base_commit"]) for r in again]
    committed = build_mod.read_jsonl(SWE / "instances.jsonl")
    assert [(r["instance_id"], r["base_commit"]) for r in committed] == first
    for rec in committed:
        assert not Path(rec["repo"]).is_absolute()
        assert rec["repo"].startswith("examples/swe/build/repos/")


def test_instances_are_swe_bench_shaped(built):
    repos = {Path(r["repo"]).name for r in built}
    assert len(repos) >= 12
    assert len(built) >= 12
    assert set(Counter(r["difficulty"] for r in built)) == {"easy", "medium", "hard"}
    for rec in built:
        for key in ("instance_id", "repo", "base_commit", "problem_statement", "hints_text", "test_patch",
                    "patch", "FAIL_TO_PASS", "PASS_TO_PASS", "version", "created_at"):
            assert key in rec, (rec["instance_id"], key)
        assert isinstance(json.loads(rec["FAIL_TO_PASS"]), list)
        assert len(json.loads(rec["PASS_TO_PASS"])) >= 3
        assert Path(rec["repo"], ".git").is_dir()


def test_gold_resolves_all_and_empty_patch_resolves_none(built):
    validate = _load("validate")
    results = validate.validate_all(built, jobs=2)
    problems = {r["instance_id"]: r["problems"] for r in results if r["problems"]}
    assert not problems
    assert all(r["resolved_with_gold"] for r in results)
    assert not any(r["resolved_without_fix"] for r in results)
    # hidden tests fail because of the bug, never because of an import/collection error
    assert not any(reason.startswith("wrong:") for r in results for reason in r["reasons"])
