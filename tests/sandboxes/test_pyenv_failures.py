"""Issue 17: a failed environment build is remembered on disk with its one-line reason (another
process does not build it again), `env build --retry` builds it again, and `prepare` builds before
a test run takes its slot and reports the build as its own `env_build` line."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from pyenv_helpers import make_repo, offline_index, pyproject
from typer.testing import CliRunner

from sandboxes import execution, pyenv
from sandboxes.pyenv import BUILDS, EnvError, GitTree, detect, prepare
from sandboxes.pyenv.failures import forget

ROOT = Path(__file__).resolve().parents[2]
BAD = {**pyproject("bad", ["no-such-package-zq"]), "bad.py": ""}


def test_a_failure_built_in_another_process_is_not_built_again_here(tmp_path, monkeypatch):
    offline_index(monkeypatch, tmp_path)
    repo = tmp_path / "r"
    sha = make_repo(repo, BAD)
    other = subprocess.run([sys.executable, "-c", (
        "import sys; from pathlib import Path; from sandboxes.pyenv import *\n"
        "r, c = Path(sys.argv[1]), sys.argv[2]\n"
        "try:\n    ensure(r, c, detect(GitTree(r, c)))\nexcept EnvError as e:\n    print('failed:', e)\n"),
        str(repo), sha], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert "failed:" in other.stdout and "no-such-package-zq" in other.stdout, other.stderr[-2000:]
    plan = detect(GitTree(repo, sha))
    before = BUILDS[plan.key()]
    with pytest.raises(EnvError) as info:
        pyenv.ensure(repo, sha, plan)
    msg = str(info.value)
    assert "no-such-package-zq" in msg and "--retry" in msg and "\n" not in msg
    assert BUILDS[plan.key()] == before  # remembered: nothing built in this process
    assert forget(pyenv.cache_root(), plan.key())
    with pytest.raises(EnvError):
        pyenv.ensure(repo, sha, plan)
    assert BUILDS[plan.key()] == before + 1  # forgotten: built (and failed) again


def test_env_build_retry_rebuilds_a_remembered_failure(tmp_path, monkeypatch):
    from agents.cli import app

    offline_index(monkeypatch, tmp_path)
    sha = make_repo(tmp_path / "bad", BAD)
    inst = tmp_path / "instances.jsonl"
    inst.write_text(json.dumps({"instance_id": "bad", "repo": str(tmp_path / "bad"), "base_commit": sha,
                                "problem_statement": "p"}) + "\n")
    key = detect(GitTree(tmp_path / "bad", sha)).key()

    def build(*extra: str) -> dict:
        res = CliRunner().invoke(app, ["env", "build", str(inst), "--json", *extra])
        assert res.exit_code == 1
        return json.loads(res.stdout.strip().splitlines()[-1])[0]

    before = BUILDS[key]
    first = build()
    assert first["status"] == "error" and "no-such-package-zq" in first["reason"] and BUILDS[key] == before + 1
    again = build()
    assert again["status"] == "error" and "--retry" in again["reason"] and BUILDS[key] == before + 1
    retried = build("--retry")
    assert retried["status"] == "error" and "--retry" not in retried["reason"] and BUILDS[key] == before + 2
    bad = CliRunner().invoke(app, ["env", "build", str(inst), "--sandbox", "vm"])
    assert bad.exit_code == 2 and "bad --sandbox 'vm'" in bad.output


def test_prepare_reports_the_build_and_checks_build_outside_the_test_slot(tmp_path, monkeypatch):
    from agents.swe.checks import run_checks

    offline_index(monkeypatch, tmp_path)
    files = {**pyproject("demo", ["depdemo"]), "src/demo/__init__.py": "from depdemo import double\n",
             "tests/test_demo.py": "from demo import double\n\ndef test_two():\n    assert double(1) == 2\n"}
    repo = tmp_path / "r"
    sha = make_repo(repo, files)
    seen: list[int] = []
    real = pyenv.build._build

    def watched(*args, **kw):
        seen.append(execution.RUNNING["now"])  # test runs holding a slot while this builds
        return real(*args, **kw)

    monkeypatch.setattr(pyenv.build, "_build", watched)
    res = run_checks(repo, sha, targets=["tests/test_demo.py::test_two"], sandbox="local", timeout=120)
    assert res.passed("tests/test_demo.py::test_two"), res.output
    assert seen == [0]
    line = prepare(repo, sha)
    assert line["status"] == "cached" and line["key"] and line["reason"] == "" and line["seconds"] >= 0
    bad = prepare(tmp_path / "missing", sha)
    assert bad["status"] == "error" and bad["reason"] and "\n" not in bad["reason"]
