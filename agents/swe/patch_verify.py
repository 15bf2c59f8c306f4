"""Verification of patches: the kept reproduction tests and the existing tests that passed on the
base commit, run for every candidate in its own worktree and sandbox, concurrently.

Pessimistic about the model's own tests (Heimdall): once candidates of `distrust_after` rounds
(patch steps: the first samples and a refinement, by default) have run and none passes a
reproduction test, that test is more likely wrong (a mistaken expected value) than every patch; it
is listed in `details.distrusted`, left out of the patch prompt, and the controller stops refining
against it. A failure that changed from the base commit's still counts for part (`MOVED_CREDIT`) of
a pass: the patch reached the behaviour the test exercises.

What the stage remembers between steps lives in its checkpointed memo (`ctx.memo`): the base
commit's test outcomes (`baseline`, run once per run) and every verdict by test suite and patch
(`verdicts`), so a patch already checked against the same tests (a refinement that repeats its
parent, two samples making the same edit, a variant tried before) is not run again: its verdict is
reused with `details.same_as` naming the candidate that ran.

The issue's own runnable example (agents/swe/example_probe.py) runs with each fresh patch that
applied and broke no existing test, after its tests, and once on the base commit (memo `example_base`,
twice there: an example whose output is not stable is not used);
`details.example` says whether its output changed. A changed one earns a pseudo-test
(`EXAMPLE_TEST`, credit `EXAMPLE_CREDIT`) and a score bonus smaller than any step one more test makes,
so it breaks ties between patches that pass the same tests (for the test vote of patch and select
too) and never outranks a patch that passes more. The result is stored with the verdict.
"""
from __future__ import annotations

import asyncio
import hashlib
import json
from pathlib import Path
from typing import Any

from budgets import BudgetExceeded
from sandboxes.base import SandboxError, SandboxUnavailable

from agents.context import StepContext
from agents.state import Candidate, TestOutcome, Verdict
from agents.swe.checks import CheckResult, node_signatures, run_checks
from agents.swe.details import PatchDetails
from agents.swe.example_probe import EXAMPLE_CREDIT, EXAMPLE_TEST, compare, fingerprint, issue_examples, run_examples
from agents.swe.reproduce import existing_tests, kept_tests

MOVED_CREDIT = 0.25


def suite_key(repro: dict[str, Any]) -> str:
    return hashlib.sha1(json.dumps(repro["files"], sort_keys=True).encode()).hexdigest()[:12]


def verdict_key(suite: str, patch: str) -> str:
    return f"{suite}:{hashlib.sha1(patch.encode()).hexdigest()[:16]}"


def distrusted_tests(ctx: StepContext) -> set[str]:
    """Reproduction tests the patch stage stopped trusting."""
    return {t for rec in ctx.history_of("patch") for v in rec.verdicts for t in v.details.distrusted}


class PatchVerifier:
    def __init__(self, distrust_after: int = 2):
        self.distrust_after = distrust_after

    async def verify(self, ctx: StepContext, candidates: list[Candidate]) -> list[Verdict]:
        repo, base = Path(ctx.task.input["repo_path"]), ctx.task.input["base_commit"]
        repro = kept_tests(ctx)
        existing = existing_tests(Path(ctx.task.input["workdir"]))
        try:
            baseline = await self._baseline(ctx, repo, base, existing)
        except BudgetExceeded as e:  # without the base commit's outcomes no patch can be judged
            return [Verdict(candidate_id=c.id, score=0.0, passed=None, uncertainty=1.0, feedback=f"not verified: {e}")
                    for c in candidates if c.valid]
        # regressions are judged per test: every test (node) that passed on the base commit
        keep = [t for t, o in baseline.items() if o == "passed" and ("::" in t or not any(
            k.startswith(t + "::") for k in baseline))]
        suite = suite_key(repro)
        known: dict[str, Any] = ctx.memo.setdefault("verdicts", {})
        valid = [c for c in candidates if c.valid]
        fresh: dict[str, Candidate] = {}   # patch -> the first candidate making it, run once
        for c in valid:
            if verdict_key(suite, c.content["patch"]) not in known:
                fresh.setdefault(c.content["patch"], c)
        blocks = issue_examples(str(ctx.task.input.get("problem_statement", "")))
        lock = asyncio.Lock()  # the base commit's example run: once, when a first patch needs it

        async def check(c: Candidate) -> tuple[CheckResult, str, str]:
            r = await asyncio.to_thread(
                run_checks, repo, base, patch=c.content["patch"], files=repro["files"],
                targets=list(repro["files"]) + existing, sandbox=ctx.runtime.sandbox_backend, tracker=ctx.tracker)
            if not blocks:
                return r, "", ""
            if r.patch_error or any(not r.passed(t) for t in keep):
                return r, "none", ""
            async with lock:
                example_base = await self._example_base(ctx, repo, base, blocks)
            if example_base is None:
                return r, "none", ""
            try:  # the probe never fails a candidate: no budget or no sandbox = no probe
                runs = await asyncio.to_thread(run_examples, repo, base, blocks, patch=c.content["patch"],
                                               sandbox=ctx.runtime.sandbox_backend, tracker=ctx.tracker)
            except (BudgetExceeded, SandboxError, SandboxUnavailable):
                return r, "none", ""
            return r, (compare(example_base, runs) if runs else "none"), fingerprint(runs)

        results = await asyncio.gather(*(check(c) for c in fresh.values()), return_exceptions=True)
        refused: dict[str, str] = {}  # patch -> why the budget did not pay for its run
        for c, r in zip(fresh.values(), results):
            if isinstance(r, BudgetExceeded):
                refused[c.content["patch"]] = f"not verified: {r}"
            elif isinstance(r, BaseException):
                raise r
            else:  # what was paid for is kept, even when another run was refused
                known[verdict_key(suite, c.content["patch"])] = score(
                    c, r[0], repro, keep, example=r[1], example_sig=r[2]).model_dump(mode="json")
        verdicts = []
        for c in valid:
            if c.content["patch"] in refused:
                verdicts.append(Verdict(candidate_id=c.id, score=0.0, passed=None, uncertainty=1.0,
                                        feedback=refused[c.content["patch"]]))
                continue
            v = Verdict.model_validate(known[verdict_key(suite, c.content["patch"])])
            if v.candidate_id != c.id:
                v.candidate_id, v.details.same_as = c.id, v.candidate_id
            verdicts.append(v)
        rounds = [rec.verdicts for rec in ctx.history_of("patch")] + [verdicts]
        doubted = distrust(repro["ids"], rounds, self.distrust_after)
        for v in verdicts:
            if doubted and v.details.tests:
                v.details.distrusted = list(doubted)
                v.feedback += "\n" + "; ".join(f"no candidate of {n} passes {t}: that test may itself be wrong"
                                               for t, n in doubted.items())
        return verdicts

    @staticmethod
    def tried(ctx: StepContext) -> set[str]:
        """Keys (`verdict_key`) of the patches already checked against the current tests."""
        return set(ctx.memo.get("verdicts", {}))

    async def _baseline(self, ctx: StepContext, repo: Path, base: str, existing: list[str]) -> dict[str, str]:
        if "baseline" not in ctx.memo:  # once per run; checkpointed with the stage's memo
            res = await asyncio.to_thread(run_checks, repo, base, targets=existing,
                                          sandbox=ctx.runtime.sandbox_backend, tracker=ctx.tracker)
            ctx.memo["baseline"] = {k: o.outcome for k, o in res.outcomes.items()}
        return ctx.memo["baseline"]

    async def _example_base(self, ctx: StepContext, repo: Path, base: str, blocks: list[str]) -> list | None:
        """The issue's examples on the base commit, once per run (kept once they ran), or None: not
        run, or their output differs between two runs of the base commit (time, randomness)."""
        if not ctx.memo.get("example_base"):
            try:
                runs = await asyncio.to_thread(run_examples, repo, base, blocks, repeat=2,
                                               sandbox=ctx.runtime.sandbox_backend, tracker=ctx.tracker)
            except (BudgetExceeded, SandboxError, SandboxUnavailable):
                return None
            first, second = (runs[:len(blocks)], runs[len(blocks):]) if runs else ([], [])
            # paid for: kept even when no environment could be built (not tried, and paid, again)
            ctx.memo["example_base"] = {"runs": first, "stable": bool(runs) and compare(first, second) == "same"}
        memo = ctx.memo.get("example_base")
        return memo["runs"] if memo and memo["stable"] else None


def distrust(repro_ids: list[str], rounds: list[list[Verdict]], after: int) -> dict[str, int]:
    """{test: candidates run against it} for each reproduction test that candidates of at least
    `after` rounds (patch steps) ran against and none passed."""
    out = {}
    for t in repro_ids:
        ran = [[v.details.tests[t].passed for v in r if t in v.details.tests] for r in rounds]
        ran = [r for r in ran if r]
        if len(ran) >= after and not any(any(r) for r in ran):
            out[t] = sum(len(r) for r in ran)
    return out


def score(cand: Candidate, res: CheckResult, repro: dict[str, Any], keep: list[str], *, example: str = "",
          example_sig: str = "") -> Verdict:
    """`repro`: `kept_tests(...)` (ids, and the base commit's failure signatures per test file).
    `example`: what the issue's example did (`compare`, or "none"); "" when the issue has none."""
    repro_ids, base = repro["ids"], repro.get("base", {})
    if res.patch_error:
        return Verdict(candidate_id=cand.id, score=0.0, passed=False, feedback=f"patch does not apply: {res.patch_error}",
                       details=PatchDetails(reproductions=len(repro_ids), example="none"))
    fixed = [t for t in repro_ids if res.passed(t)]
    # ran to an assertion (no collection or import error) but failed differently than on the base commit
    seen = {t: node_signatures(res.messages(), t) for t in repro_ids}
    moved = [t for t in repro_ids if t not in fixed and res.outcome(t) == "failed" and base.get(t)
             and seen[t] != base[t]]
    regressions = [t for t in keep if not res.passed(t)]
    g = (len(keep) - len(regressions)) / len(keep) if keep else 1.0
    # Any patch that keeps the existing tests green (score ≥ 0.3) outranks any patch that breaks
    # one (0.1-0.29); within each group, the share of reproduction tests it fixes decides. A patch
    # that fixes the reproduction but breaks a few tests is still worth refining (≥ 0.2).
    if repro_ids:
        r = (len(fixed) + MOVED_CREDIT * len(moved)) / len(repro_ids)
        value = 0.1 + 0.19 * r * g if regressions else 0.3 + 0.7 * r
        passed, uncertainty = (not regressions and len(fixed) == len(repro_ids)), 0.2
    else:
        value, passed, uncertainty = (0.1 + 0.19 * g if regressions else 0.5), None, 1.0
    if example == "changed":
        value = min(1.0, value + example_bonus(len(repro_ids), len(keep), bool(regressions)))
    tests: dict[str, TestOutcome] = {}
    for t in repro_ids:
        o = res.outcomes.get(t) or TestOutcome(outcome="error", message="no outcome")
        tests[t] = o.model_copy(update={
            "credit": MOVED_CREDIT if t in moved else 0.0,
            "signature": "passed" if t in fixed else "changed: " + repr(sorted(seen[t].items()))
            if t in moved else "as on the base commit"})
    for t in keep:
        tests[t] = res.outcomes.get(t) or TestOutcome(outcome="error", message="no outcome")
    if example:  # every verdict of the run has it, so pass fractions share one denominator
        tests[EXAMPLE_TEST] = TestOutcome(outcome="skipped", message=f"the issue's example: {example}",
                                          credit=EXAMPLE_CREDIT if example == "changed" else 0.0,
                                          signature=f"{example}:{example_sig}" if example == "changed" else example)
    failing = [t for t in repro_ids if not res.passed(t)] + regressions
    feedback = ("all checks pass" if not failing else
                "failing: " + ", ".join(failing[:8]) + "\n" + res.output[-1500:])
    if example in ("same", "crashed"):
        feedback += ("\nThe issue's example prints the same as before this patch: it may not change the "
                     "behaviour the issue shows." if example == "same" else
                     "\nThe issue's example now ends in a new exception or hangs.")
    return Verdict(candidate_id=cand.id, score=value, passed=passed, uncertainty=uncertainty, feedback=feedback,
                   details=PatchDetails(tests=tests, fixed=len(fixed), moved=moved, reproductions=len(repro_ids),
                                        regressions=regressions, example=example or "none"))


def example_bonus(n_repro: int, n_keep: int, regressions: bool) -> float:
    """Score for a changed example: EXAMPLE_CREDIT of the smallest step one more reproduction test's
    credit (MOVED_CREDIT of a fix) or one more passing existing test can make in `score`'s formula."""
    if regressions:  # 0.1 + 0.19 * r * g: r and g move in steps of MOVED_CREDIT / n and 1 / keep
        return 0.19 * EXAMPLE_CREDIT * MOVED_CREDIT / (max(1, n_repro) * max(1, n_keep))
    return 0.7 * EXAMPLE_CREDIT * MOVED_CREDIT / n_repro if n_repro else 0.05
