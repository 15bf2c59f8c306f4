"""Run tests for one candidate: a fresh worktree at the base commit, the candidate's patch, extra
test files, then pytest in the sandbox, returning per-test outcomes. Used by reproduce and patch."""
from __future__ import annotations

import re
import time
from pathlib import Path

from pydantic import BaseModel, Field

from budgets import BudgetTracker

REPRO_DIR = "scaleagent_repro"


class CheckResult(BaseModel):
    outcomes: dict[str, str] = Field(default_factory=dict)   # target and test node id -> passed | failed | error | ...
    messages: dict[str, str] = Field(default_factory=dict)   # node id -> failure message, for tests that did not pass
    patch_error: str | None = None
    output: str = ""
    duration_s: float = 0.0
    timed_out: bool = False

    def passed(self, node: str) -> bool:
        return self.outcomes.get(node) in ("passed", "xfailed", "skipped")


def run_checks(repo: Path, commit: str, *, patch: str = "", files: dict[str, str] | None = None,
               targets: list[str], sandbox: str = "bwrap", timeout: float = 120,
               tracker: BudgetTracker | None = None, tool: str = "run_tests") -> CheckResult:
    """Blocking; call through `asyncio.to_thread`. Charged to `tracker` as one `tool` call."""
    from sandboxes import open_sandbox
    from sandboxes.workspace import PatchError, WorkspaceManager

    from agents.swe.testrun import run_tests

    reservation = tracker.reserve_tool(tool) if tracker else None
    started = time.time()
    try:
        with WorkspaceManager(repo).create(commit) as ws:
            if patch.strip():
                try:
                    ws.apply_patch(patch)
                except PatchError as e:
                    return CheckResult(patch_error=str(e))
            for rel, text in (files or {}).items():
                path = ws.path / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text)
            with open_sandbox(sandbox, ws.path) as sb:
                run = run_tests(sb, targets, timeout=timeout)
            if reservation:
                reservation.settle(tracker.cost_model.tool_call(tool))
            # per test where tests ran (finer regression checks and votes), per target otherwise
            outcomes = {k: o.outcome for k, o in run.outcomes.items()}
            outcomes.update({k: o.outcome for k, o in run.nodes.items()})
            messages = {k: o.message for k, o in {**run.outcomes, **run.nodes}.items() if not o.passed}
            return CheckResult(outcomes=outcomes, messages=messages,
                               output=(run.problem or "") + "\n" + run.output_tail[-3000:], timed_out=run.timed_out,
                               duration_s=round(time.time() - started, 3))
    finally:
        if reservation and reservation.settled is None:
            reservation.release()


def failure_signature(message: str) -> str:
    """A failure message with what differs between otherwise identical runs taken out (object
    addresses, absolute paths such as the worktree's, long floats' tails), so the same failure in two
    worktrees compares equal and a changed failure does not."""
    text = re.sub(r"0x[0-9a-fA-F]+", "0x?", message)
    text = re.sub(r"(?<![\w.])/[^\s:'\"]+", "<path>", text)
    text = re.sub(r"(\d+\.\d{6})\d+", r"\1", text)
    return " ".join(text.split())[:300]


def node_signatures(messages: dict[str, str], path: str) -> dict[str, str]:
    """{test name: failure signature} for the tests of file `path` that did not pass."""
    return {node.split("::", 1)[1]: failure_signature(msg) for node, msg in messages.items()
            if node.startswith(path + "::")}
