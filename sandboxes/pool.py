"""Verify many candidates concurrently: each in its own worktree and sandbox, each run charged.

    pool = VerificationPool(repo, backend="bwrap", charger=tracker)
    results = await pool.verify_all([VerifyJob(candidate_id="c1", patch=diff, command="pytest -q")])

Each job goes through the one charged execution path (`sandboxes.execution.execute`): one
reservation of the `run_tests` tool per job, settled when the sandbox ran, released when the patch
did not apply; concurrency is bounded by that path's process-wide slots (one run per core).
"""
from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from .base import ExecResult, Limits
from .execution import TOOL, ExecJob, execute, manager

TOOL_NAME = TOOL


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


class VerificationPool:
    def __init__(self, repo: Path | str, *, backend: str = "bwrap", charger: Any = None,
                 limits: Limits | None = None, workspace_root: Path | str | None = None, **sandbox_opts: Any):
        self.repo = Path(repo)
        self.workspace_root = Path(workspace_root) if workspace_root else None
        self.backend, self.charger, self.limits, self.sandbox_opts = backend, charger, limits, sandbox_opts

    def _verify_blocking(self, job: VerifyJob) -> Verification:
        out = execute(ExecJob(repo=self.repo, commit=job.commit, patch=job.patch, command=job.command,
                              timeout=job.timeout, env=job.env, limits=job.limits or self.limits),
                      backend=self.backend, charger=self.charger, workspace_root=self.workspace_root,
                      **self.sandbox_opts)
        return Verification(candidate_id=job.candidate_id, patch_error=out.patch_error, result=out.result)

    async def verify(self, job: VerifyJob) -> Verification:
        return await asyncio.to_thread(self._verify_blocking, job)

    def close(self) -> None:
        """Drop the workspace templates (the per-commit cache of overlay mode)."""
        manager(self.repo, self.workspace_root).drop_templates()

    async def verify_all(self, jobs: list[VerifyJob]) -> list[Verification]:
        """Results in job order. An exception (e.g. the charger refusing) propagates after the
        other jobs finish, so no reservation is left dangling."""
        outcomes = await asyncio.gather(*(self.verify(j) for j in jobs), return_exceptions=True)
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome
        return list(outcomes)  # type: ignore[arg-type]
