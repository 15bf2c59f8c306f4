"""prepare's `env_build` status comes from what its own call did (build.ensure_status, and for docker
image.ensure_image_status), not from process-wide build counters: the first call "built", a second
"cached", and a call that waited for another thread's build of the same key is "cached" too (the
counters said "built" there). The docker image step runs against a stand-in engine (no docker here)."""
from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest
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


class _Images:
    def __init__(self, on_get):
        self.labels: dict[str, dict] = {}
        self.on_get = on_get

    def get(self, name):
        self.on_get(name)
        if name == "base":
            return SimpleNamespace(id="sha256:" + "b" * 64, attrs={})
        if name in self.labels:
            return SimpleNamespace(id="sha256:" + name, attrs={"Config": {"Labels": self.labels[name]}})
        raise LookupError(name)

    def remove(self, *args, **kw):
        pass


@pytest.fixture
def engine(monkeypatch):
    """A stand-in docker engine: images are labels in a dict; committing one only records it."""
    from sandboxes import docker_engine
    from sandboxes.pyenv import image

    hooks = {"get": lambda name: None, "commit": lambda: None}
    client = SimpleNamespace(images=_Images(lambda name: hooks["get"](name)), ping=lambda: None, close=lambda: None)

    def commit(client, env, base_image, tag, stamp):
        hooks["commit"]()
        image.COMMITS[tag] += 1
        client.images.labels[tag] = {image.LABEL: env.key, f"{image.LABEL}.venv": stamp}

    monkeypatch.setattr(docker_engine, "_client", lambda *a, **k: client)
    monkeypatch.setattr(docker_engine, "sandbox_image", lambda: "base")
    monkeypatch.setattr(image, "_commit", commit)
    return client, hooks


def test_docker_prepare_is_built_when_it_made_the_venv_or_the_image(tmp_path, monkeypatch, engine):
    client, _ = engine
    offline_index(monkeypatch, tmp_path)
    sha = make_repo(tmp_path / "r", FILES)
    assert [prepare(tmp_path / "r", sha, "docker")["status"] for _ in range(2)] == ["built", "cached"]
    client.images.labels.clear()  # the image was removed: the venv is cached, the image made again
    assert [prepare(tmp_path / "r", sha, "docker")["status"] for _ in range(2)] == ["built", "cached"]


def test_a_docker_prepare_that_waited_for_another_threads_image_is_cached(tmp_path, monkeypatch, engine):
    _, hooks = engine
    offline_index(monkeypatch, tmp_path)
    repo = tmp_path / "r"
    sha = make_repo(repo, FILES)
    assert prepare(repo, sha)["status"] == "built"  # the venv first (bwrap: no image)
    a_committing, b_waiting = threading.Event(), threading.Event()

    def commit():  # thread A holds the image lock here; let B look for the image first
        a_committing.set()
        assert b_waiting.wait(120)

    def get(name):  # B asks whether the image is there, just before it waits for the lock
        if threading.current_thread().name == "B" and name != "base":
            b_waiting.set()

    hooks.update(commit=commit, get=get)
    lines: dict[str, dict] = {}
    a = threading.Thread(target=lambda: lines.update(A=prepare(repo, sha, "docker")), name="A")
    b = threading.Thread(target=lambda: lines.update(B=prepare(repo, sha, "docker")), name="B")
    a.start()
    assert a_committing.wait(120)
    b.start()
    a.join(300)
    b.join(300)
    assert (lines["A"]["status"], lines["B"]["status"]) == ("built", "cached"), lines
