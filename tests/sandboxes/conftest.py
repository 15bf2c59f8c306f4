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


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not ESCAPE_LOG:
        return
    attacks = sum(len(v) for v in ESCAPE_LOG.values())
    escapes = [(b, a, w) for b, rows in ESCAPE_LOG.items() for a, esc, w in rows if esc]
    per = ", ".join(f"{b}: {len(rows)}" for b, rows in sorted(ESCAPE_LOG.items()))
    terminalreporter.write_sep("-", "sandbox escape suite")
    for b, rows in sorted(ESCAPE_LOG.items()):
        for attack, escaped, what in rows:
            terminalreporter.write_line(f"  [{b}] {attack}: {'ESCAPED' if escaped else 'contained'} - {what}")
    terminalreporter.write_line(f"escape suite: {attacks} attacks, {len(escapes)} escapes ({per})")
