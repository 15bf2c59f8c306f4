"""Sandboxes: run untrusted commands against one writable workspace.

    from sandboxes import open_sandbox, Limits
    with open_sandbox("bwrap", Path("ws")) as sb:
        result = sb.run("python3 -m pytest -q", timeout=60)

Backends: "bwrap" (default on Linux, no daemon), "docker" (Docker daemon or Podman socket),
"local" (rlimits only, no isolation, opt-in). `available_backends()` says which work here and why not.
"""
from .base import (
    TRUNCATION_PREFIX,
    WORKDIR,
    ExecResult,
    Limits,
    Sandbox,
    SandboxError,
    SandboxUnavailable,
)
from .registry import BACKENDS, available_backends, default_backend, open_sandbox

__all__ = [
    "BACKENDS",
    "TRUNCATION_PREFIX",
    "WORKDIR",
    "ExecResult",
    "Limits",
    "Sandbox",
    "SandboxError",
    "SandboxUnavailable",
    "available_backends",
    "default_backend",
    "open_sandbox",
]
