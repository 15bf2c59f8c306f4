"""Verify many candidates concurrently: each in its own worktree and sandbox, each run charged.

    pool = VerificationPool(repo, backend="bwrap", charger=tracker_adapter)
    results = await pool.verify_all([VerifyJob(candidate_id="c1", patch=diff, command="pytest -q")])

Concurrency is bounded by a semaphore (default os.cpu_count()): the sandboxed test runs are
CPU-bound, so more parallelism than cores only adds contention. The blocking parts (git,
sandbox) run in worker threads; the sandbox API stays synchronous.

Budget coupling is one tiny protocol, so `sandboxes` does not import `budgets`:
    charger.reserve_tool(name) -> reservation   (async; may raise to refuse, e.g. BudgetExceeded)
    reservation.settle()   the run happened: charge it        (sync or async)
    reservation.release()  nothing ran (patch did not apply, backend error): refund
Exactly one reserve per job, and exactly one settle (a sandbox run happened) or release.
"""
from __future__ import annotations

import asyncio
import inspect
import os
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel, Field

from .base import ExecResult, Limits
from .registry import open_sandbox
from .workspace import PatchError, WorkspaceManager

TOOL_NAME = "sandbox.verify"


class ToolReservation(Protocol):
    def settle(self) -> Any: ...

    def release(self) -> Any: ...


class ToolCharger(Protocol):
    async def reserve_tool(self, name: str) -> ToolReservation: ...


class VerifyJob(BaseModel):
    candidate_id: str
    command: str | list[str]
    patch: str = ""  # unified diff against `commit`; empty = verify the commit as is
    commit: str = "HEAD"
    timeout: float = 60
    env: dict[str, str] = Field(default_factory=dict)
    limits: Limits | None = None


class Verification(BaseModel):
    candidate_id: str
    patch_error: str | None = None  # set when the patch did not apply (then result is None)
    result: ExecResult | None = None

    @property
    def passed(self) -> bool:
        return self.result is not None and self.result.ok


async def _maybe_await(value: Any) -> None:
    if inspect.isawaitable(value):
        await value


class VerificationPool:
    def __init__(self, repo: Path | str, *, backend: str = "bwrap", concurrency: int | None = None,
                 charger: ToolCharger | None = None, limits: Limits | None = None,
                 workspace_root: Path | str | None = None, tool_name: str = TOOL_NAME, **sandbox_opts: Any):
        self.workspaces = WorkspaceManager(repo, root=workspace_root)
        self.backend = backend
        self.concurrency = concurrency or os.cpu_count() or 1
        self.charger = charger
        self.limits = limits
        self.tool_name = tool_name
        self.sandbox_opts = sandbox_opts
        self._slots: asyncio.Semaphore | None = None  # made lazily: bound to the running loop
        self.active = 0
        self.peak_active = 0  # observed max concurrency (tests, benchmarks)

    def _verify_blocking(self, job: VerifyJob) -> Verification:
        with self.workspaces.create(job.commit) as ws:
            if job.patch:
                try:
                    ws.apply_patch(job.patch)
                except PatchError as exc:
                    return Verification(candidate_id=job.candidate_id, patch_error=str(exc))
            with open_sandbox(self.backend, ws.path, limits=job.limits or self.limits, **self.sandbox_opts) as sb:
                result = sb.run(job.command, timeout=job.timeout, env=job.env)
        return Verification(candidate_id=job.candidate_id, result=result)

    async def verify(self, job: VerifyJob) -> Verification:
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.concurrency)
        async with self._slots:
            # Reserve inside the slot: a queued job should not hold budget it is not using yet.
            reservation = await self.charger.reserve_tool(self.tool_name) if self.charger else None
            ran = False
            self.active += 1
            self.peak_active = max(self.peak_active, self.active)
            try:
                verification = await asyncio.to_thread(self._verify_blocking, job)
                ran = verification.result is not None
                return verification
            finally:
                self.active -= 1
                if reservation is not None:
                    await _maybe_await(reservation.settle() if ran else reservation.release())

    def close(self) -> None:
        """Drop the workspace templates (the per-commit cache of overlay mode)."""
        self.workspaces.drop_templates()

    async def verify_all(self, jobs: list[VerifyJob]) -> list[Verification]:
        """Results in job order. An exception (e.g. the charger refusing) propagates after the
        other jobs finish, so no reservation is left dangling."""
        outcomes = await asyncio.gather(*(self.verify(j) for j in jobs), return_exceptions=True)
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome
        return list(outcomes)  # type: ignore[arg-type]
