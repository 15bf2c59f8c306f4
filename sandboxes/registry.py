"""Choose a backend by name. Backends are imported lazily so a missing optional dependency
(the docker SDK) only matters when that backend is chosen."""
from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any, Callable

from .base import Limits, Sandbox, SandboxUnavailable

# name -> (module, class, function returning None if usable else the one-line reason)
BACKENDS: dict[str, tuple[str, str, str]] = {
    "bwrap": ("sandboxes.bwrap", "BwrapSandbox", "bwrap_unavailable_reason"),
    "docker": ("sandboxes.docker_engine", "DockerSandbox", "docker_unavailable_reason"),
    "local": ("sandboxes.local", "LocalSandbox", "local_unavailable_reason"),
}


def _load(name: str) -> tuple[type, Callable[[], str | None]]:
    if name not in BACKENDS:
        raise SandboxUnavailable(f"unknown sandbox backend {name!r}: choose one of {', '.join(BACKENDS)}")
    module_name, cls_name, reason_name = BACKENDS[name]
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:  # e.g. the docker SDK is missing
        raise SandboxUnavailable(f"sandbox backend {name!r} cannot load ({exc}): pip install 'scaleagent[docker]'") from exc
    return getattr(module, cls_name), getattr(module, reason_name)


def available_backends() -> dict[str, str | None]:
    """name -> None if the backend works here, else the reason it does not (one line)."""
    out: dict[str, str | None] = {}
    for name in BACKENDS:
        try:
            _, reason = _load(name)
            out[name] = reason()
        except SandboxUnavailable as exc:
            out[name] = str(exc)
    return out


def default_backend() -> str:
    """bwrap if it works, else docker; never silently 'local' (it does not isolate)."""
    avail = available_backends()
    for name in ("bwrap", "docker"):
        if avail.get(name) is None:
            return name
    raise SandboxUnavailable(
        f"no isolating sandbox available (bwrap: {avail['bwrap']}; docker: {avail['docker']}); "
        "or choose --sandbox local (no isolation)"
    )


def open_sandbox(backend: str, workspace: Path, *, limits: Limits | None = None, **opts: Any) -> Sandbox:
    """Open a sandbox of `backend` on `workspace`. Raises SandboxUnavailable with how to fix it."""
    cls, reason = _load(backend)
    why = reason()
    if why is not None:
        raise SandboxUnavailable(why)
    return cls(Path(workspace), limits=limits, **opts)
