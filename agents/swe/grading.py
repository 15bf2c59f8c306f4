"""Grade a model patch against an instance, with SWE-bench semantics.

    report = grade(inst, model_patch, sandbox="bwrap")
    report.status   # resolved | unresolved | error

Recipe: a fresh worktree at base_commit; apply the model patch (`git apply`, then `patch --fuzz=5`
as SWE-bench's harness does; an empty patch grades the base as is); apply test_patch; run
FAIL_TO_PASS + PASS_TO_PASS in one sandboxed pytest run. Resolved iff every one of them passes
(passed or xfailed). "error" means the instance could not be graded as asked: missing repository
or commit, a patch that does not apply, a test id that could not be collected (unless it is collected
at the base commit: then the model patch broke it, unresolved), tests that timed
out or crashed pytest, an environment that cannot be built (sandboxes.pyenv: built on first use, cached).
`grade` never raises for one instance's problem; it returns a report.
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from sandboxes import Limits, SandboxError, SandboxUnavailable, open_sandbox
from sandboxes.workspace import PatchError, Workspace, WorkspaceManager

from agents.errors import ScaleAgentError
from agents.swe.instances import Instance, materialize_repo
from agents.swe.testrun import TestOutcome, TestRun, run_tests

Status = Literal["resolved", "unresolved", "error"]

_managers: dict[tuple[str, str], WorkspaceManager] = {}
_managers_lock = threading.Lock()


class GradeReport(BaseModel):
    instance_id: str
    status: Status
    reason: str = ""
    model_patch_applied: bool | None = None  # None: empty patch (the base was graded)
    applied_with: str | None = None  # "git apply" | "patch --fuzz=5"
    fail_to_pass: dict[str, TestOutcome] = Field(default_factory=dict)
    pass_to_pass: dict[str, TestOutcome] = Field(default_factory=dict)
    sandbox: str = ""
    durations: dict[str, float] = Field(default_factory=dict)  # setup_s, tests_s, total_s
    test_output_tail: str = ""

    @property
    def resolved(self) -> bool:
        return self.status == "resolved"


def _manager(repo: Path, root: Path | None) -> WorkspaceManager:
    # One manager per repository: concurrent `git worktree add/prune` on one repo must share a lock.
    key = (str(repo.resolve()), str(root or ""))
    with _managers_lock:
        if key not in _managers:
            _managers[key] = WorkspaceManager(repo, root=root)
        return _managers[key]


def _apply(ws: Workspace, diff: str) -> None:
    """ws.apply_patch, with git's own first error line when PatchError's message is the generic one."""
    try:
        ws.apply_patch(diff)
    except PatchError as exc:
        if str(exc) not in ("git apply failed", ""):
            raise
        r = subprocess.run(["git", "apply", "--check", "--recount", "-"], cwd=ws.path, input=diff + "\n",
                           capture_output=True, text=True, timeout=60)
        lines = [ln.strip() for ln in r.stderr.splitlines() if ln.strip()]
        errs = [ln for ln in lines if ln.startswith(("error", "fatal"))]
        line = (errs or lines or [str(exc)])[0]
        raise PatchError(line.removeprefix("error: ").removeprefix("fatal: ")) from None


def _apply_model_patch(ws: Workspace, diff: str) -> str:
    """Apply with git, then with `patch --fuzz=5` (as SWE-bench does). Returns the method; raises PatchError."""
    try:
        _apply(ws, diff)
        return "git apply"
    except PatchError as git_err:
        if shutil.which("patch") is None:
            raise
        if not diff.endswith("\n"):
            diff += "\n"
        with tempfile.NamedTemporaryFile("w", suffix=".diff", delete=False) as fh:
            fh.write(diff)
        try:
            base = ["patch", "--batch", "--fuzz=5", "-p1", "--no-backup-if-mismatch", "-r", "-", "-i", fh.name]
            dry = subprocess.run([*base, "--dry-run"], cwd=ws.path, capture_output=True, text=True, timeout=60)
            if dry.returncode != 0:
                raise git_err
            real = subprocess.run(base, cwd=ws.path, capture_output=True, text=True, timeout=60)
            if real.returncode != 0:
                raise git_err
        finally:
            Path(fh.name).unlink(missing_ok=True)
        return "patch --fuzz=5"


def _first_bad(outcomes: dict[str, TestOutcome]) -> tuple[list[str], str]:
    bad = [t for t, o in outcomes.items() if not o.passed and o.outcome != "skipped"]
    if not bad:
        return bad, ""
    o = outcomes[bad[0]]
    msg = o.message.splitlines()[0][:160] if o.message else ""
    return bad, f"{bad[0]}: {o.outcome}{' (' + msg + ')' if msg else ''}"


def judge(inst: Instance, run: TestRun) -> tuple[Status, str, dict[str, TestOutcome], dict[str, TestOutcome]]:
    """Status and reason from a test run. A skipped test counts neither way (SWE-bench semantics)."""
    f2p = {t: run.outcomes[t] for t in inst.FAIL_TO_PASS}
    p2p = {t: run.outcomes[t] for t in inst.PASS_TO_PASS}
    if run.problem:
        return "error", run.problem, f2p, p2p
    missing = run.not_collected
    if missing:
        first = run.outcomes[missing[0]].message
        return "error", f"{len(missing)} test id(s) could not be collected; first: {missing[0]}: {first}", f2p, p2p
    bad_f, first_f = _first_bad(f2p)
    bad_p, first_p = _first_bad(p2p)
    if not bad_f and not bad_p:
        return "resolved", "", f2p, p2p
    parts = []
    if bad_f:
        parts.append(f"{len(bad_f)}/{len(f2p)} FAIL_TO_PASS not passing (first {first_f})")
    if bad_p:
        parts.append(f"{len(bad_p)}/{len(p2p)} PASS_TO_PASS broken (first {first_p})")
    return "unresolved", "; ".join(parts), f2p, p2p


def grade(inst: Instance, model_patch: str | None, *, sandbox: str = "bwrap", timeout: float = 900,
          cache_dir: Path | str | None = None, workspace_root: Path | str | None = None,
          limits: Limits | None = None, python: str | None = None) -> GradeReport:
    """Grade `model_patch` (a unified diff; empty = the base commit) on `inst`. Never raises for the instance."""
    t0 = time.monotonic()
    report = GradeReport(instance_id=inst.instance_id, status="error", sandbox=sandbox)

    def done(status: Status, reason: str) -> GradeReport:
        report.status, report.reason = status, reason
        report.durations["total_s"] = round(time.monotonic() - t0, 3)
        return report

    tests = list(dict.fromkeys(inst.FAIL_TO_PASS + inst.PASS_TO_PASS))
    if not inst.FAIL_TO_PASS:
        return done("error", "the instance has no FAIL_TO_PASS tests: nothing to grade against")
    try:
        repo = materialize_repo(inst, cache_dir)
        ws = _manager(repo, Path(workspace_root) if workspace_root else None).create(inst.base_commit)
    except (ScaleAgentError, OSError, subprocess.SubprocessError) as exc:
        return done("error", f"repository: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")
    except Exception as exc:  # e.g. git errors from GitPython: still one instance's problem
        return done("error", f"workspace: {type(exc).__name__}: {str(exc).strip().splitlines()[-1][:200]}")
    try:
        if model_patch and model_patch.strip():
            try:
                report.applied_with = _apply_model_patch(ws, model_patch)
                report.model_patch_applied = True
            except PatchError as exc:
                report.model_patch_applied = False
                return done("error", f"model patch does not apply: {exc}")
        if inst.test_patch.strip():
            try:
                _apply(ws, inst.test_patch)
            except PatchError as exc:
                return done("error", f"test patch does not apply{' after the model patch' if report.model_patch_applied else ''}: {exc}")
        report.durations["setup_s"] = round(time.monotonic() - t0, 3)
        t1 = time.monotonic()
        try:
            with open_sandbox(sandbox, ws.path, limits=limits) as sb:
                run = run_tests(sb, tests, timeout=timeout, python=python, source=(repo, inst.base_commit))
        except (SandboxUnavailable, SandboxError, OSError) as exc:
            return done("error", f"sandbox {sandbox}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")
        report.durations["tests_s"] = round(time.monotonic() - t1, 3)
        report.test_output_tail = run.output_tail
        status, reason, report.fail_to_pass, report.pass_to_pass = judge(inst, run)
        if status == "error" and report.model_patch_applied and run.not_collected and not run.problem \
                and _collects_without(inst, repo, run.not_collected, sandbox, timeout, limits, python, workspace_root):
            status, reason = "unresolved", f"the model patch breaks test collection: {reason}"
        return done(status, reason)
    finally:
        ws.close()


def _collects_without(inst: Instance, repo: Path, ids: list[str], sandbox: str, timeout: float,
                      limits: Limits | None, python: str | None, workspace_root: Path | str | None) -> bool:
    """Whether `ids` are collected at the base commit with only the test patch: then a model patch
    under which they are not (a circular or broken import, a syntax error) made them fail, as SWE-bench
    counts a test missing from the log; otherwise the instance itself cannot be graded (error)."""
    ws = _manager(repo, Path(workspace_root) if workspace_root else None).create(inst.base_commit)
    try:
        if inst.test_patch.strip():
            _apply(ws, inst.test_patch)
        with open_sandbox(sandbox, ws.path, limits=limits) as sb:
            run = run_tests(sb, ids, timeout=timeout, python=python, source=(repo, inst.base_commit))
        return not run.problem and not run.not_collected
    except (PatchError, SandboxUnavailable, SandboxError, OSError):
        return False
    finally:
        ws.close()
