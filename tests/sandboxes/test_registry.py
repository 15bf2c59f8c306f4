"""Choosing a backend: availability report, defaults, one-line errors that say how to fix it."""
from __future__ import annotations

import pytest

import sandboxes.bwrap as bwrap_module
from sandboxes import SandboxUnavailable, available_backends, default_backend, open_sandbox
from sandboxes.docker_engine import docker_unavailable_reason


def test_available_backends_reports_each_backend():
    avail = available_backends()
    assert set(avail) == {"bwrap", "docker", "local"}
    for reason in avail.values():
        assert reason is None or (isinstance(reason, str) and "\n" not in reason)


def test_local_backend_warns_it_does_not_isolate(tmp_path):
    with pytest.warns(UserWarning, match="does not isolate"):
        open_sandbox("local", tmp_path).close()


def test_missing_bwrap_says_how_to_get_it(tmp_path, monkeypatch):
    bwrap_module.bwrap_unavailable_reason.cache_clear()
    monkeypatch.setattr(bwrap_module.shutil, "which", lambda name: None)
    try:
        with pytest.raises(SandboxUnavailable, match="apt-get install bubblewrap, or choose --sandbox docker|local"):
            open_sandbox("bwrap", tmp_path)
    finally:
        bwrap_module.bwrap_unavailable_reason.cache_clear()


def test_unreachable_docker_engine_says_how_to_get_it():
    reason = docker_unavailable_reason(base_url="unix:///nonexistent/docker.sock")
    assert reason and "docker_setup.sh" in reason and "\n" not in reason


def test_missing_image_says_how_to_build_it():
    if available_backends()["docker"] is not None:
        pytest.skip("needs a docker engine")
    reason = docker_unavailable_reason(image="scaleagent-no-such-image:0")
    assert reason and "not found" in reason and "docker_setup.sh" in reason


def test_default_backend_never_silently_local(monkeypatch):
    monkeypatch.setattr("sandboxes.registry.available_backends",
                        lambda: {"bwrap": "no bwrap", "docker": "no engine", "local": None})
    with pytest.raises(SandboxUnavailable, match="--sandbox local"):
        default_backend()
