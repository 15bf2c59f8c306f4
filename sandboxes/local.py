"""The `local` backend: rlimits and a minimal env only. It does NOT isolate anything.

The command runs as the calling user on the host filesystem, with network access. Use it where no
isolation tool is available and the code is trusted (e.g. your own tests). Opt-in only; it warns.
"""
from __future__ import annotations

import os
import shutil
import sys
import warnings
from pathlib import Path

from ._process import prlimit_argv, run_capped
from .base import ExecResult, Limits, SandboxUnavailable, as_argv, build_env


class LocalSandboxWarning(UserWarning):
    pass


def local_unavailable_reason() -> str | None:
    if shutil.which("prlimit") is None:
        return "prlimit is not installed: apt-get install util-linux"
    return None


class LocalSandbox:
    """Runs commands directly on the host in `workspace`. Paths are host paths (no /workspace)."""

    backend = "local"

    def __init__(self, workspace: Path, *, limits: Limits | None = None, warn: bool = True):
        reason = local_unavailable_reason()
        if reason:
            raise SandboxUnavailable(reason)
        if warn:
            warnings.warn(
                "sandbox backend 'local' does not isolate: code runs as you, on your files, with network",
                LocalSandboxWarning,
                stacklevel=2,
            )
        self.workspace = Path(workspace).resolve()
        self.workspace.mkdir(parents=True, exist_ok=True)
        self.limits = limits or Limits()
        # The venv interpreter (sys.executable) and /usr/bin/python3 are both usable as-is.
        self.workdir = str(self.workspace)
        self.python = sys.executable

    def run(self, command, *, timeout: float = 60, env=None, limits: Limits | None = None,
            stdin: str | None = None, cwd: str | None = None) -> ExecResult:
        lim = limits or self.limits
        workdir = os.path.join(self.workdir, cwd) if cwd else self.workdir
        return run_capped(
            prlimit_argv(lim) + as_argv(command),
            env=build_env(env),
            cwd=workdir,
            timeout=timeout,
            limits=lim,
            stdin=stdin,
        )

    def close(self) -> None:
        pass  # nothing held

    def __enter__(self) -> "LocalSandbox":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
