"""prepare's `env_build` status comes from what its own call did (build.ensure_status), not from a
process-wide build counter: the first call "built", a second "cached", and a call that waited for
another thread's build of the same key is "cached" too (the counter said "built" there)."""
from __future__ import annotations

import threading

from pyenv_helpers import make_repo, offline_index, pyproject

from sandboxes import pyenv
from sandboxes.pyenv import environment_status, prepare

FILES = {**pyproject("demo", ["depdemo"]), "src/demo/__init__.py": "from depdemo import double\n"}


def test_first_prepare_built_second_cached_flat_repo_not_needed(tmp_path, monkeypatch):
    offline_index(monkeypatch, tmp_path)
    sha = make_repo(tmp_path / "r", FILES)
    first, second = prepare(tmp_path / "r", sha), prepare(tmp_path / "r", sha)
    assert (first["status"], second["status"]) == ("built", "cached"), (first, second)
    assert first["key"] == second["key"] and first["reason"] == second["reason"] == ""
    flat = make_repo(tmp_path / "flat", {**pyproject("flat"), "flat/__init__.py": "X = 1\n"})
    env, status = environment_status(tmp_path / "flat", flat)
    assert status == "not needed" and env.python is None
    assert prepare(tmp_path / "flat", flat)["status"] == "not needed"


def test_a_prepare_that_waited_for_another_threads_build_is_cached(tmp_path, monkeypatch):
    offline_index(monkeypatch, tmp_path)
    repo = tmp_path / "r"
    sha = make_repo(repo, FILES)
    a_building, b_waiting = threading.Event(), threading.Event()
    real_build, real_remembered = pyenv.build._build, pyenv.failures.remembered

    def build(*args, **kw):  # thread A holds the key's lock here; let B reach the lock first
        a_building.set()
        assert b_waiting.wait(120)
        return real_build(*args, **kw)

    def remembered(*args, **kw):  # checked just before the lock: B is about to wait for A's build
        if threading.current_thread().name == "B":
            b_waiting.set()
        return real_remembered(*args, **kw)

    monkeypatch.setattr(pyenv.build, "_build", build)
    monkeypatch.setattr(pyenv.failures, "remembered", remembered)
    lines: dict[str, dict] = {}
    a = threading.Thread(target=lambda: lines.update(A=prepare(repo, sha)), name="A")
    b = threading.Thread(target=lambda: lines.update(B=prepare(repo, sha)), name="B")
    a.start()
    assert a_building.wait(120)
    b.start()
    a.join(300)
    b.join(300)
    assert lines["A"]["status"] == "built", lines
    assert lines["B"]["status"] == "cached", lines  # B built nothing: it found A's environment ready
