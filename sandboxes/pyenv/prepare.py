"""Build a repository state's environment before any test run, outside the test-run slots, and say
what it cost as its own `env_build` line.

    line = prepare(repo, base_commit, backend="docker")
    # {"status": "built" | "cached" | "not needed" | "error", "seconds": 12.3, "key": ..., "reason": ""}

Charging rule (README "Real repositories"): building an environment is setup, not work the model
or the budget asked for: it is never charged to a run's budget (no tokens, no dollars, no
`run_tests` call, not the run's wall seconds when it happens before the run starts, which `bench
swe` and `solve` do) and is reported next to the spend as `env_build` with its seconds. It holds no
test-run slot (`sandboxes.execution.SLOTS`): callers prepare first, then take a slot to run tests,
which then find the environment cached (or its failure remembered, failures.py) at once.
Never raises: a failure is the line's status "error" with its one-line reason (the test runs that
follow report the same reason per test).
"""
from __future__ import annotations

import time
from pathlib import Path
from collections.abc import Callable
from typing import Any

from .build import EnvError
from .lookup import environment_status, plan_for


def prepare(repo: Path | str | Callable[[], Path], commit: str, backend: str = "bwrap") -> dict[str, Any]:
    """The `env_build` line for (repo, commit); `repo` may be a callable that materializes it."""
    t0 = time.monotonic()
    line: dict[str, Any] = {"status": "error", "seconds": 0.0, "key": None, "reason": ""}
    try:
        path = Path(repo() if callable(repo) else repo)
        key = plan_for(path, commit).key()
        line["key"] = key
        env, line["status"] = environment_status(path, commit)
        if backend == "docker" and env.root and _image(env):
            line["status"] = "built"
    except EnvError as exc:
        line["reason"] = str(exc)
    except Exception as exc:  # noqa: BLE001 - e.g. the repository could not be materialized: one line
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        line["reason"] = f"{type(exc).__name__}: {first}"[:300]
    line["seconds"] = round(time.monotonic() - t0, 3)
    return line


def describe(line: dict[str, Any] | None) -> str:
    """An `env_build` line in words, the one wording `env build`, `solve` and `bench` print:
    "built in 42 s", "cached", "not needed", "error: <reason>"."""
    line = line or {}
    status = str(line.get("status") or "unknown")
    if status == "error":
        return f"error: {line.get('reason') or 'the build failed'}"
    return f"built in {float(line.get('seconds') or 0):.0f} s" if status == "built" else status


def _image(env) -> bool:
    """Make the environment's docker image when an engine answers; True when one was committed now.
    No engine: nothing to do here (the test run reports the backend as unavailable)."""
    from sandboxes.docker_engine import _client, sandbox_image

    from .image import ensure_image_status

    try:
        client = _client()
        client.ping()
    except Exception:  # noqa: BLE001 - no engine, no SDK
        return False
    try:
        return ensure_image_status(client, env, sandbox_image())[1]
    finally:
        client.close()


def total(lines: list[dict[str, Any] | None]) -> dict[str, Any]:
    """A run's `env_build` summary from its instances' lines: seconds spent building, and counts per status."""
    seen = [ln for ln in lines if isinstance(ln, dict)]
    out: dict[str, Any] = {"seconds": round(sum(float(ln.get("seconds") or 0) for ln in seen), 3)}
    for status in ("built", "cached", "not needed", "error"):
        out[status] = sum(1 for ln in seen if ln.get("status") == status)
    return out
