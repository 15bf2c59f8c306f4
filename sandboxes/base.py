"""The sandbox protocol: public types every backend shares.

A sandbox runs shell commands against one writable workspace directory and nothing else.
Backends (bwrap, docker, local) live in their own modules and pass one conformance suite
(tests/sandboxes/test_conformance.py). The API is synchronous; concurrency is the pool's job.
"""
from __future__ import annotations

from pathlib import Path
from typing import Protocol, runtime_checkable

from pydantic import BaseModel, Field

# Inside every backend the workspace is mounted here and is the default cwd
# (the local backend cannot remap paths: there the workspace is its host path).
WORKDIR = "/workspace"

# Appended to a stream that exceeded Limits.output_bytes. Tests and callers grep for the prefix.
TRUNCATION_MARKER = "\n[... output truncated by sandbox: {dropped} bytes dropped ...]\n"
TRUNCATION_PREFIX = "[... output truncated by sandbox"


class Limits(BaseModel):
    """Resource limits for one command. Enforced per process (rlimits) in bwrap/local,
    per container (cgroups) in docker."""

    memory_mb: int = Field(2048, gt=0)
    cpu_seconds: int = Field(120, gt=0)
    file_size_mb: int = Field(256, gt=0)
    open_files: int = Field(512, gt=0)
    processes: int = Field(256, gt=0)
    output_bytes: int = Field(1_000_000, gt=0)  # per stream; the rest is dropped with a marker


class ExecResult(BaseModel):
    exit_code: int  # 128+n: the command died of signal n (e.g. an rlimit); -9: killed at the timeout
    stdout: str
    stderr: str
    duration_s: float
    timed_out: bool = False
    oom: bool = False  # the memory limit was hit (docker: cgroup OOM kill; rlimit backends: best guess)
    truncated: bool = False  # at least one stream was cut at Limits.output_bytes

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.timed_out


class SandboxUnavailable(Exception):
    """The chosen backend cannot run here. The message is one line: what is missing and how to get it."""

    exit_code = 3


class SandboxError(Exception):
    """The backend failed while running a command (not the command failing: that is an ExecResult)."""


@runtime_checkable
class Sandbox(Protocol):
    backend: str  # "bwrap" | "docker" | "local"
    workspace: Path  # host path of the writable workspace
    workdir: str  # the workspace's path as the command sees it (its default cwd)
    python: str  # an interpreter inside with pytest: the project's venv (bwrap/local), the image's (docker)

    def run(
        self,
        command: str | list[str],
        *,
        timeout: float = 60,
        env: dict[str, str] | None = None,
        limits: Limits | None = None,
        stdin: str | None = None,
        cwd: str | None = None,
    ) -> ExecResult:
        """Run `command` (a string goes through /bin/sh -c) with the workspace as cwd.
        `cwd` is relative to the workspace (or absolute inside the sandbox)."""
        ...

    def close(self) -> None: ...

    def __enter__(self) -> "Sandbox": ...

    def __exit__(self, *exc: object) -> None: ...


# Minimal environment every backend starts from: nothing of the host's env leaks in.
BASE_ENV = {
    "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "HOME": "/tmp",
    "LANG": "C.UTF-8",
    "LC_ALL": "C.UTF-8",
    "PYTHONUNBUFFERED": "1",
    "PYTHONDONTWRITEBYTECODE": "1",  # keep __pycache__ out of candidate diffs
}


def build_env(extra: dict[str, str] | None) -> dict[str, str]:
    env = dict(BASE_ENV)
    env.update(extra or {})
    return env


def as_argv(command: str | list[str]) -> list[str]:
    if isinstance(command, str):
        return ["/bin/sh", "-c", command]
    if not command:
        raise ValueError("empty command")
    return list(command)
