"""sandboxes.pyenv: what detection reads, one cached build per key, one-line failures, the venv
visible (read-only) inside bwrap. Builds use a local wheel folder only (pip --no-index)."""
from __future__ import annotations

import subprocess
import threading

import pytest
from pyenv_helpers import make_repo, offline_index, pyproject

from sandboxes import pyenv
from sandboxes.pyenv import BUILDS, EnvError, GitTree, Overrides, detect

SRC_FILES = {**pyproject("demo", ["depdemo"], {"test": ["pytest-optplug"]}),
             "src/demo/__init__.py": "from depdemo import double\n\ndef quad(x):\n    return double(double(x))\n",
             "tests/test_demo.py": "from demo import quad\n\ndef test_quad():\n    assert quad(1) == 4\n"}


def test_detect_src_layout_extras_and_requirements(tmp_path):
    files = dict(SRC_FILES)
    files["requirements-dev.txt"] = "depdemo\n"
    files["tox.ini"] = "[testenv]\ndeps =\n    pytest-optplug\n    py{38,39}: oldthing\n    -rrequirements.txt\n"
    sha = make_repo(tmp_path / "r", files)
    plan = detect(GitTree(tmp_path / "r", sha))
    assert plan.import_paths == ["src"] and plan.installable and plan.extras == ["test"]
    assert plan.requirements == ["requirements-dev.txt"] and plan.test_deps == ["pytest-optplug"]
    assert plan.dependencies == ["depdemo"] and plan.needs_venv


def test_flat_layout_without_dependencies_needs_no_venv(tmp_path):
    sha = make_repo(tmp_path / "r", {**pyproject("flat"), "flat/__init__.py": "X = 1\n"})
    plan = detect(GitTree(tmp_path / "r", sha))
    assert plan.import_paths == ["."] and not plan.needs_venv
    env = pyenv.ensure(tmp_path / "r", sha, plan)
    assert env.python is None and env.ro_paths == []


def test_key_follows_declarations_and_overrides_not_code(tmp_path):
    repo = tmp_path / "r"
    sha = make_repo(repo, SRC_FILES)
    key = detect(GitTree(repo, sha)).key()
    (repo / "src/demo/__init__.py").write_text("def quad(x):\n    return 4 * x\n")
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qam", "code"], cwd=repo, check=True)
    sha2 = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True).stdout.strip()
    assert detect(GitTree(repo, sha2)).key() == key  # same declarations: the same environment
    assert detect(GitTree(repo, sha), Overrides(pip_packages=["x"])).key() != key


def test_test_cmd_must_be_pytest():
    assert Overrides(test_cmd="python -m pytest -p no:randomly").pytest_args() == ["-p", "no:randomly"]
    with pytest.raises(ValueError, match="not a pytest command"):
        Overrides(test_cmd="tox -e py311")


def test_one_build_for_concurrent_users_and_installed_copy_dropped(tmp_path, monkeypatch):
    offline_index(monkeypatch, tmp_path)
    repo = tmp_path / "r"
    sha = make_repo(repo, SRC_FILES)
    plan = detect(GitTree(repo, sha))
    before = BUILDS[plan.key()]
    envs, errors = [], []

    def use():
        try:
            envs.append(pyenv.ensure(repo, sha, plan))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=use) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(envs) == 4
    assert BUILDS[plan.key()] - before == 1
    py = envs[0].python
    probe = ("import importlib.metadata as m, importlib.util as u, depdemo, pytest_optplug, pytest; "
             "print(m.version('demo'), u.find_spec('demo'))")
    out = subprocess.run([py, "-c", probe], capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["0.1", "None"]  # metadata kept, the base's copy of the code gone


def test_missing_package_is_one_line_naming_it_and_not_retried(tmp_path, monkeypatch):
    offline_index(monkeypatch, tmp_path)
    repo = tmp_path / "r"
    sha = make_repo(repo, {**pyproject("bad", ["no-such-package-zq"]), "bad.py": ""})
    plan = detect(GitTree(repo, sha))
    before = BUILDS[plan.key()]
    for _ in range(2):
        with pytest.raises(EnvError) as info:
            pyenv.ensure(repo, sha, plan)
        assert "no-such-package-zq" in str(info.value) and "\n" not in str(info.value)
    assert BUILDS[plan.key()] - before == 1


def test_venv_is_visible_read_only_inside_bwrap(tmp_path, monkeypatch):
    from sandboxes import available_backends, open_sandbox

    if "bwrap" not in available_backends():
        pytest.skip("bubblewrap does not run here")
    offline_index(monkeypatch, tmp_path)
    repo = tmp_path / "r"
    sha = make_repo(repo, SRC_FILES)
    env = pyenv.ensure(repo, sha, detect(GitTree(repo, sha)))
    ws = tmp_path / "ws"
    ws.mkdir()
    with open_sandbox("bwrap", ws) as sb:
        sb.bind_ro(env.ro_paths)
        res = sb.run([env.python, "-c", "import depdemo, sys; print(depdemo.double(21));"
                      "open(depdemo.__file__, 'a')"], timeout=60)
    assert res.stdout.strip() == "42"
    assert "Read-only file system" in res.stderr or "Permission denied" in res.stderr


def test_dependency_groups_are_test_deps(tmp_path):
    text = ('[project]\nname = "g"\nversion = "1"\n[dependency-groups]\ntest = ["hypothesis>=6", {include-group = "x"}]\n'
            '[tool.pdm.dev-dependencies]\ndev = ["pytest-xdist"]\ndocs = ["sphinx"]\n')
    sha = make_repo(tmp_path / "r", {"pyproject.toml": text, "g.py": ""})
    plan = detect(GitTree(tmp_path / "r", sha))
    assert plan.test_deps == ["hypothesis>=6", "pytest-xdist"] and plan.needs_venv
