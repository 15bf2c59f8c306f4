"""Fixtures shared by the sandbox suites.

Backends that cannot run here are skipped with the reason from `available_backends()`; in CI
(env CI=true) the isolating backends (bwrap, docker) must run, so there they fail instead.
Docker needs an engine and the image: `eval "$(bash scripts/docker_setup.sh | tail -n 1)"`.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

# pytest runs with --import-mode=importlib (no sys.path changes): make the helper module importable.
sys.path.insert(0, str(Path(__file__).parent))
from sbx_helpers import ESCAPE_LOG, require_backend  # noqa: E402

from sandboxes import open_sandbox


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    ws.mkdir()
    return ws


@pytest.fixture
def make_sandbox(workspace: Path):
    opened = []

    def make(backend: str, **opts):
        require_backend(backend)
        sb = open_sandbox(backend, workspace, **opts)
        opened.append(sb)
        return sb

    yield make
    for sb in opened:
        sb.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Move the attacks this test phase logged onto its report (tests/conftest.py prints them all)."""
    outcome = yield
    rep = outcome.get_result()
    for backend, rows in ESCAPE_LOG.items():
        rep.user_properties.extend(("escape", [backend, *row]) for row in rows)
    ESCAPE_LOG.clear()
