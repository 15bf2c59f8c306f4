"""Which environment a test run at (repository, base commit) uses.

    register(repo, commit, Overrides(...))   # materialize_repo does this for an instance's fields
    env = environment_for(repo, commit)       # detected + built when missing; EnvError when it cannot be
    env, status = environment_status(repo, commit)   # the same, and "built" | "cached" | "not needed"

Plans are memoized per (repository, commit) for the process: K candidates of one instance detect
once and build once (build.ensure holds the lock and the cache).
"""
from __future__ import annotations

import os
import threading
from pathlib import Path

from .build import EnvError, Environment, ensure_status
from .detect import GitTree, Overrides, Plan, detect

_OVERRIDES: dict[tuple[str, str], Overrides] = {}
_PLANS: dict[tuple[str, str, str], Plan] = {}
_LOCK = threading.Lock()


def _key(repo: Path | str, commit: str) -> tuple[str, str]:
    return os.path.realpath(str(repo)), commit


def register(repo: Path | str, commit: str, overrides: Overrides | None) -> None:
    """Remember an instance's environment fields for this (repository, commit)."""
    with _LOCK:
        if overrides is not None and overrides.given():
            _OVERRIDES[_key(repo, commit)] = overrides
        else:
            _OVERRIDES.pop(_key(repo, commit), None)


def plan_for(repo: Path | str, commit: str) -> Plan:
    k = _key(repo, commit)
    with _LOCK:
        over = _OVERRIDES.get(k) or Overrides()
        memo = (*k, over.model_dump_json())
        if memo in _PLANS:
            return _PLANS[memo]
    try:
        plan = detect(GitTree(k[0], commit), over)
    except ValueError as exc:
        raise EnvError(str(exc).splitlines()[0]) from None
    with _LOCK:
        _PLANS[memo] = plan
    return plan


def environment_for(repo: Path | str, commit: str) -> Environment:
    """The environment (built when missing) for tests of `commit` in `repo`. Raises EnvError (one line)."""
    return environment_status(repo, commit)[0]


def environment_status(repo: Path | str, commit: str) -> tuple[Environment, str]:
    """`environment_for`, and whether this call "built" it, found it "cached" or it was "not needed"."""
    return ensure_status(Path(repo), commit, plan_for(repo, commit))
