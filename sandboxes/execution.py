"""The one charged path that runs untrusted code: reserve → workspace → patch → sandbox run → settle.

    outcome = execute(ExecJob(repo=repo, commit=sha, patch=diff, files={...}, command="pytest -q"),
                      backend="bwrap", charger=tracker)

Every sandboxed run of the project goes through `execute` (the engine's ExecutionVerifier, the SWE
checks, the verification pool), so there is one tool name (`TOOL`, "run_tests"), one concurrency
bound for the whole process (`SLOTS`: as many runs at once as cores; test runs are CPU-bound), and
one charging rule: a run is reserved before its workspace is made (a refusal, e.g. the budget's
`BudgetExceeded`, propagates and nothing runs); it is settled at the reserved amount once the
sandbox ran the command, and released (refunded) when nothing ran (the patch did not apply, the
backend failed).

`charger` is anything with `reserve_tool(name) -> reservation` whose reservation has `amount`,
`settle(amount)` and `release()` (a `budgets.BudgetTracker`); it may be None (uncharged).
Blocking: call it from a worker thread (`execute_async` does).
"""
from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ._fs import write_no_follow
from .base import ExecResult, Limits, Sandbox
from .registry import open_sandbox

TOOL = "run_tests"
SLOTS = threading.BoundedSemaphore(os.cpu_count() or 1)
_MANAGERS: dict[tuple[str, str], Any] = {}  # one WorkspaceManager per (repository, root), thread-safe
_MANAGERS_LOCK = threading.Lock()
RUNNING = {"now": 0, "peak": 0}  # runs holding a slot now, and the most at once (tests, benchmarks)


@contextmanager
def _slot() -> Iterator[None]:
    with SLOTS:
        with _MANAGERS_LOCK:
            RUNNING["now"] += 1
            RUNNING["peak"] = max(RUNNING["peak"], RUNNING["now"])
        try:
            yield
        finally:
            with _MANAGERS_LOCK:
                RUNNING["now"] -= 1


class ExecJob(BaseModel):
    """What to run: optionally a git worktree of `repo` at `commit` with `patch` applied (else an
    empty directory), then `files` written into it, then `command` (or a `runner`) in the sandbox."""

    files: dict[str, str] = Field(default_factory=dict)
    command: str | list[str] | None = None
    timeout: float = 60.0
    env: dict[str, str] = Field(default_factory=dict)
    limits: Limits | None = None
    repo: Path | None = None
    commit: str = "HEAD"
    patch: str = ""


class ExecOutcome(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)
    patch_error: str | None = None   # the patch did not apply: nothing ran (and nothing was charged)
    result: ExecResult | None = None  # what `command` did
    value: Any = None                 # what a `runner` returned

    @property
    def ran(self) -> bool:
        return self.patch_error is None


def _safe_rel(rel: str) -> PurePosixPath:
    path = PurePosixPath(rel)
    if path.is_absolute() or ".." in path.parts or not path.parts or "\x00" in rel:
        raise ValueError(f"refusing to write {rel!r} outside the workspace")
    return path


@contextmanager
def _workspace(job: ExecJob, workspace_root: Path | None) -> Iterator[tuple[Path, str | None]]:
    if job.repo is None:
        work = Path(tempfile.mkdtemp(prefix="scaleagent-exec-"))
        try:
            yield work, None
        finally:
            shutil.rmtree(work, ignore_errors=True)
        return
    from .workspace import PatchError

    with manager(job.repo, workspace_root).create(job.commit) as ws:
        if job.patch.strip():
            try:
                ws.apply_patch(job.patch)
            except PatchError as e:
                yield ws.path, str(e)
                return
        yield ws.path, None


def manager(repo: Path, root: Path | None = None) -> Any:
    """The process's WorkspaceManager for `repo` under `root` (made once: it prunes stale worktrees)."""
    from .workspace import WorkspaceManager

    key = (str(Path(repo).resolve()), str(root or ""))
    with _MANAGERS_LOCK:
        if key not in _MANAGERS:
            _MANAGERS[key] = WorkspaceManager(repo, root=root)
        return _MANAGERS[key]


def execute(job: ExecJob, *, backend: str = "bwrap", charger: Any = None, tool: str = TOOL,
            runner: Callable[[Sandbox], Any] | None = None, workspace_root: Path | None = None,
            **sandbox_opts: Any) -> ExecOutcome:
    """Run `job` (see the module doc). `runner(sandbox)` replaces `job.command` when given."""
    if job.command is None and runner is None:
        raise ValueError("an ExecJob needs a command or a runner")
    left = charger.seconds_left() if charger is not None and hasattr(charger, "seconds_left") else None
    if left is not None:  # a run never outlasts the budget's wall-time cap (by more than a second)
        job = job.model_copy(update={"timeout": max(1.0, min(job.timeout, left))})
    reservation = charger.reserve_tool(tool) if charger is not None else None
    ran = False
    try:
        with _slot(), _workspace(job, workspace_root) as (path, patch_error):
            if patch_error is not None:
                return ExecOutcome(patch_error=patch_error)
            for rel, text in job.files.items():  # never through a link a patch made
                write_no_follow(path, str(_safe_rel(rel)), text.encode())
            with open_sandbox(backend, path, limits=job.limits, **sandbox_opts) as sb:
                if runner is not None:
                    out = ExecOutcome(value=runner(sb))
                else:
                    out = ExecOutcome(result=sb.run(job.command, timeout=job.timeout, env=job.env))
                ran = True
                return out
    finally:
        if reservation is not None:
            if ran:
                reservation.settle(reservation.amount)
            else:
                reservation.release()


async def execute_async(job: ExecJob, **kw: Any) -> ExecOutcome:
    return await asyncio.to_thread(execute, job, **kw)
