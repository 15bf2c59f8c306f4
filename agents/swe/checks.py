"""Run tests for one candidate through the one charged execution path (`sandboxes.execution`): a
fresh worktree at the base commit, the candidate's patch, extra test files, then pytest in the
sandbox, returning one `TestOutcome` per target and per test that ran. Used by reproduce and patch."""
from __future__ import annotations

import re
import time
from pathlib import Path

from pydantic import BaseModel, Field

from agents.state import TestOutcome

REPRO_DIR = "scaleagent_repro"


class CheckResult(BaseModel):
    outcomes: dict[str, TestOutcome] = Field(default_factory=dict)  # target and test node id -> outcome
    patch_error: str | None = None
    output: str = ""
    duration_s: float = 0.0
    timed_out: bool = False

    def passed(self, node: str) -> bool:
        """One meaning everywhere (`agents.state.TestOutcome.passed`): passed or xfailed."""
        return node in self.outcomes and self.outcomes[node].passed

    def outcome(self, node: str) -> str | None:
        return self.outcomes[node].outcome if node in self.outcomes else None

    def messages(self) -> dict[str, str]:
        return {k: o.message for k, o in self.outcomes.items() if not o.passed}


def run_checks(repo: Path, commit: str, *, patch: str = "", files: dict[str, str] | None = None,
               targets: list[str], sandbox: str = "bwrap", timeout: float = 120, tracker=None) -> CheckResult:
    """Blocking; call through `asyncio.to_thread`. Charged to `tracker` as one `run_tests` call
    (refunded when the patch does not apply); `BudgetExceeded` propagates when it cannot pay."""
    from sandboxes.execution import ExecJob, execute

    from sandboxes.pyenv import prepare

    from agents.swe.testrun import run_tests

    prepare(repo, commit, sandbox)  # the environment is built (once) before a test-run slot is taken
    started = time.time()
    left = tracker.seconds_left() if tracker is not None else None
    if left is not None:  # the tests never outlast the budget's wall-time cap (by more than a second)
        timeout = max(1.0, min(timeout, left))
    out = execute(ExecJob(repo=repo, commit=commit, patch=patch, files=files or {}), backend=sandbox,
                  charger=tracker, runner=lambda sb: run_tests(sb, targets, timeout=timeout, source=(repo, commit)))
    if out.patch_error is not None:
        return CheckResult(patch_error=out.patch_error)
    run = out.value
    # per test where tests ran (finer regression checks and votes), per target otherwise
    outcomes = {k: TestOutcome(outcome=o.outcome, message=o.message) for k, o in {**run.outcomes, **run.nodes}.items()}
    return CheckResult(outcomes=outcomes, output=(run.problem or "") + "\n" + run.output_tail[-3000:],
                       timed_out=run.timed_out, duration_s=round(time.time() - started, 3))


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
