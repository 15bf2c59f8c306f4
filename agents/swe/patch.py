"""Patch: N candidate edits of the localized file, in a format the model can follow, verified by
running the reproduction tests and the related existing tests in each candidate's own worktree.
Dig deeper = refine the best patch with its test failures; pivot = re-localize (other files)."""
from __future__ import annotations

import asyncio
import hashlib
import json
from pathlib import Path
from typing import Any

from agents.context import StepContext
from agents.controllers import RuleController
from agents.models.base import GenerationParams, Message
from agents.stage import Stage
from agents.state import Candidate, Decision, Selection, Verdict
from agents.strategies import TestVote
from agents.swe.checks import CheckResult, node_signatures, run_checks
from agents.swe.reproduce import existing_tests, kept_tests
from budgets import BudgetExceeded
from tools.edits import (EditError, ablations, apply_diff_reply, apply_unified, diff_block, rewrite_file,
                         rewrite_function, search_replace, unified_diff)
from tools.repo import match_path, source_files, symbols

FORMATS = ("auto", "file", "function", "search_replace")


# Asked for code straight away, small models often echo the file unchanged; one sentence of
# diagnosis first makes them commit to a change (seen with Qwen2.5-Coder-1.5B on the example suite).
DIAGNOSE = "First say in one or two sentences which line causes the issue and how it must change. "


class Patch(Stage):
    name = "patch"
    k = 4
    max_tokens = 2048
    temperature = 0.8
    pivot_to = "localize"
    edit_format = "auto"      # auto: whole file up to `max_file_lines`, else the localized function
    max_file_lines = 80       # whole-file rewrites cost output tokens: small models decode ~10-30 tok/s
    spread = 2                # how many (file, function) targets the K samples are split over
    greedy_first = True       # first round: one sample per target is the plain greedy attempt

    def __init__(self, **kw: Any):
        if kw.get("edit_format", "auto") not in FORMATS:
            raise ValueError(f"edit_format must be one of {FORMATS}")
        kw.setdefault("strategy", TestVote())
        kw.setdefault("controller", PatchController())
        kw.setdefault("verifier", PatchVerifier())
        super().__init__(**kw)

    # ---- what to edit ------------------------------------------------------------------------------
    def _targets(self, ctx: StepContext) -> list[tuple[str, str | None]]:
        """(file, function) pairs to sample for: the best candidate's when refining, else the top
        localized functions (and the runner-up file), so the K samples also hedge the localization."""
        if ctx.mode == "refine" and ctx.best:
            return [(ctx.best[0].content["file"], ctx.best[0].content.get("function"))]
        loc = ctx.output("localize") or {}
        files = loc.get("files") or []
        if not files:
            raise EditError("localization found no file to edit")
        fns = loc.get("functions") or {}
        # one target per file (its best function): the K samples also hedge the file choice
        return [(f, (fns.get(f) or [None])[0]) for f in files[: max(1, min(self.spread, self.k))]]

    def _format(self, source: str, function: str | None) -> str:
        if self.edit_format != "auto":
            return self.edit_format
        return "function" if function and len(source.splitlines()) > self.max_file_lines else "file"

    async def propose(self, ctx: StepContext) -> list[Candidate]:
        root = Path(ctx.task.input["workdir"])
        plans, seen = [], set()
        for rel, function in self._targets(ctx):
            source = (root / rel).read_text(errors="replace")
            fmt = self._format(source, function)
            sym = next((s for s in symbols(source) if s.name == function), None) if fmt == "function" else None
            if fmt == "function" and sym is None:
                fmt = "file"
            key = (rel, function if fmt == "function" else None)
            if key not in seen:
                seen.add(key)
                # `code`: what the model is shown and must write back (the function, or the file)
                plans.append(dict(file=rel, function=function, format=fmt, source=source,
                                  code=sym.text(source) if sym else source))
        out: list[Candidate] = []
        # The model's reproduction tests are often wrong, and shown a wrong test it writes patches
        # for the test. So in the first round the first sample for each target is the attempt
        # `--mode single` makes there (greedy, the plain prompt: the issue, no tests, no budget
        # line): scaling then adds to one attempt instead of replacing it, for each file the
        # localization hedges over. (With k=1 that is the only sample: `--mode single` itself.)
        greedy = self.greedy_first and ctx.mode == "sample" and ctx.step == 0
        calls = []  # (plan, plain prompt, params), one model call each
        for i, plan in enumerate(plans):
            n = self.k // len(plans) + (1 if i < self.k % len(plans) else 0)
            cap = self._reply_tokens(plan)
            if greedy and n > 0:
                calls.append((plan, True, GenerationParams(n=1, max_tokens=cap, temperature=0.0)))
                n -= 1
            if n > 0:
                calls.append((plan, False, GenerationParams(
                    n=n, max_tokens=cap, temperature=self.pivot_temperature if ctx.mode == "pivot" else self.temperature)))
        for plan, hide, params in calls:
            ctx.scratch.update(plan, plain=hide)
            try:
                out.extend(await ctx.sample(self.prompt(ctx), params))
            except BudgetExceeded as e:
                if not out:
                    raise
                # the samples already paid for are still worth verifying
                ctx.errors.append(f"budget: {e}; kept the {len(out)} samples drawn before it")
                break
        return out

    def _reply_tokens(self, plan: dict[str, Any]) -> int:
        """Output cap for one sample: a diagnosis plus the code it must write back (about 1 token per
        3 characters, with headroom), at most `max_tokens`. The budget reserves this worst case per
        sample before the call, so a tight cap lets more samples fit a budget."""
        code = plan["code"]
        if plan["format"] == "search_replace":  # only the replaced lines are written back
            code = code[: len(code) // 2]
        return max(256, min(self.max_tokens, 200 + len(code) // 2))

    def prompt(self, ctx: StepContext) -> list[Message]:
        rel, function, fmt, source = (ctx.scratch[k] for k in ("file", "function", "format", "source"))
        issue = ctx.task.input["problem_statement"][:4000]
        doubted = distrusted_tests(ctx)
        plain = ctx.scratch.get("plain")
        repro = {} if plain else {
            p: code for p, code in kept_tests(ctx)["files"].items() if p not in doubted}
        test_note = ""
        if repro:
            path, code = next(iter(repro.items()))
            test_note = f"\n\nThis test reproduces the issue and must pass after your fix:\n```python\n{code[:2000]}\n```"
        if fmt == "function" and function:
            ask = (f"File {rel} contains:\n```python\n{ctx.scratch['code']}\n```\n{DIAGNOSE}Then reply with the complete corrected "
                   f"`{function.split('.')[-1]}` in one ```python block.")
        elif fmt == "search_replace":
            ask = (f"File {rel}:\n```python\n{source}\n```\nFix the issue with SEARCH/REPLACE blocks:\n{rel}\n"
                   "<<<<<<< SEARCH\n<exact lines to replace>\n=======\n<new lines>\n>>>>>>> REPLACE")
        else:
            ask = (f"File {rel}:\n```python\n{source}\n```\n{DIAGNOSE}Then reply with the complete corrected file "
                   "in one ```python block, changing only what the fix needs.")
        if ctx.mode == "refine" and ctx.best:
            cand, verdict = ctx.best
            ask += (f"\n\nA previous fix attempt:\n```diff\n{cand.content['patch'][:3000]}\n```\nIt still fails:\n"
                    f"{verdict.feedback[:1500]}\nImprove on it.")
        elif ctx.mode == "pivot":
            ask += "\n\nEarlier fixes in other places did not work; look at this code afresh."
        # the budget line is for samples that can act on it; the plain attempt is the same whatever
        # the budget (small models' greedy output changes with any prompt change)
        system = "You fix bugs in Python code." + ("" if plain else " Budget left: " + ctx.budget_text())
        return [{"role": "system", "content": system},
                {"role": "user", "content": f"Issue:\n{issue}{test_note}\n\n{ask}"}]

    def parse(self, ctx: StepContext, text: str) -> dict[str, Any]:
        rel, fmt, source = ctx.scratch["file"], ctx.scratch["format"], ctx.scratch["source"]
        function = ctx.scratch.get("function")
        try:
            if fmt == "function" and function:
                changes = {rel: (source, rewrite_function(source, function, text))}
            elif fmt == "search_replace":
                root = Path(ctx.task.input["workdir"])
                files = source_files(root, include_tests=True)
                edited = search_replace({f: (root / f).read_text(errors="replace") for f in [rel]}, text,
                                        lambda p: match_path(p, files) if match_path(p, files) == rel else None)
                changes = {p: (source, new) for p, new in edited.items()}
            else:
                changes = {rel: (source, rewrite_file(source, text))}
        except EditError:
            diff = diff_block(text) if fmt != "search_replace" else None
            if diff is None:
                raise
            changes = {rel: (source, self._apply_diff(ctx, rel, source, diff))}
        patch = unified_diff(changes)
        if not patch:
            raise EditError("the reply changes nothing")
        return {"file": rel, "function": function, "format": fmt, "patch": patch}

    def _apply_diff(self, ctx: StepContext, rel: str, source: str, diff: str) -> str:
        """A reply written as a diff (small models copy the previous attempt's format): against the
        file, or when refining, against the file as the attempt being refined left it."""
        try:
            return apply_diff_reply(source, diff, rel)
        except EditError as e:
            parent = ctx.best[0].content if ctx.mode == "refine" and ctx.best else None
            if not parent or parent.get("file") != rel:
                raise EditError(f"the reply is a diff that does not apply: {e}") from None
            try:
                return apply_diff_reply(apply_unified(source, parent["patch"]), diff, rel)
            except EditError as e2:
                raise EditError(f"the reply is a diff that applies neither to the file nor to the attempt "
                                f"it refines: {e2}") from None

    def key(self, ctx: StepContext, content: Any) -> str:
        return patch_key(content["patch"])

    async def apply(self, ctx: StepContext, winner: Candidate) -> dict[str, Any] | None:
        # nothing to act on; record the base-commit test outcomes once so later steps reuse them
        return {"baseline": ctx.scratch["baseline"]} if "baseline" in ctx.scratch else None


def patch_key(patch: str) -> str:
    """What a patch changes, normalized (Agentless): its added and removed lines without comments,
    blank lines or runs of spaces, so two samples that make the same edit count as one, voted twice."""
    out = []
    for line in patch.splitlines():
        if line[:1] not in "+-" or line.startswith(("+++", "---")):
            continue
        code = _strip_comment(line[1:])
        if code:
            out.append(line[0] + " ".join(code.split()))
    return "\n".join(out)


def _strip_comment(code: str) -> str:
    quote = None
    for i, ch in enumerate(code):
        if quote:
            if ch == quote and code[i - 1] != "\\":
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "#":
            return code[:i].strip()
    return code.strip()


def distrusted_tests(ctx: StepContext) -> set[str]:
    """Reproduction tests the patch stage stopped trusting (see `PatchVerifier.distrust_after`)."""
    return {t for rec in ctx.history_of("patch") for v in rec.verdicts for t in v.details.get("distrusted", ())}


class PatchVerifier:
    """Runs reproduction tests + base-passing existing tests for every candidate, concurrently.

    Pessimistic about the model's own tests (Heimdall): once candidates of `distrust_after` rounds
    (patch steps: the first samples and a refinement, by default) have run and none passes a
    reproduction test, that test is more likely wrong (a mistaken expected value)
    than every patch; it is marked `distrusted` in the verdicts, left out of the patch prompt, and the
    controller stops refining against it. A failure that changed from the base commit's still counts
    for part (`MOVED_CREDIT`) of a pass: the patch reached the behaviour the test exercises.

    `ablate=N` (the scaled pipeline uses 3): when the best candidate that breaks existing tests
    makes several separate changes (the break is often an unrelated one, a rename that fails every
    import), up to N smaller versions of it (one change left out, or one change alone: `tools.edits.ablations`)
    are verified too, in the same round, for test runs but no tokens. They are appended to
    `candidates` (so select and the trajectory see them), each with `meta["ablation"]` and its
    parent.

    A patch already checked against the same tests in this run (a refinement that repeats its
    parent, two samples making the same edit) is not run again: its verdict is reused, with
    `details["same_as"]` naming the candidate that ran."""

    def __init__(self, distrust_after: int = 2, ablate: int = 0):
        self.distrust_after = distrust_after
        self.ablate = ablate
        self._known: dict[tuple[str, str], Verdict] = {}   # (tests, patch) -> verdict, for one task
        self._task: tuple[str, ...] = ()

    async def verify(self, ctx: StepContext, candidates: list[Candidate]) -> list[Verdict]:
        root = Path(ctx.task.input["workdir"])
        repo, base = Path(ctx.task.input["repo_path"]), ctx.task.input["base_commit"]
        repro = kept_tests(ctx)
        existing = existing_tests(root)
        baseline = await self._baseline(ctx, repo, base, existing)
        # regressions are judged per test: every test (node) that passed on the base commit
        keep = [t for t, o in baseline.items() if o == "passed" and ("::" in t or not any(
            k.startswith(t + "::") for k in baseline))]
        valid = [c for c in candidates if c.valid]
        task = (ctx.task.id, str(repo), base)
        if task != self._task:
            self._task, self._known = task, {}
        suite = hashlib.sha1(json.dumps(repro["files"], sort_keys=True).encode()).hexdigest()[:12]

        async def check(cands: list[Candidate]) -> list[Verdict]:
            fresh: dict[str, Candidate] = {}   # patch -> the first candidate making it, run once
            for c in cands:
                if (suite, c.content["patch"]) not in self._known:
                    fresh.setdefault(c.content["patch"], c)
            results = await asyncio.gather(*(asyncio.to_thread(
                run_checks, repo, base, patch=c.content["patch"], files=repro["files"],
                targets=list(repro["files"]) + existing, sandbox=ctx.runtime.sandbox_backend, tracker=ctx.tracker)
                for c in fresh.values()))
            for c, r in zip(fresh.values(), results):
                self._known[(suite, c.content["patch"])] = score(c, r, repro, keep)
            out = []
            for c in cands:
                v = self._known[(suite, c.content["patch"])].model_copy(deep=True)
                if v.candidate_id != c.id:
                    v.candidate_id, v.details["same_as"] = c.id, v.candidate_id
                out.append(v)
            return out

        verdicts = await check(valid)
        smaller = self._ablations(ctx, valid, verdicts, tried={p for s_, p in self._known if s_ == suite})
        if smaller:
            candidates.extend(smaller)
            verdicts += await check(smaller)
        rounds = [rec.verdicts for rec in ctx.history_of("patch")] + [verdicts]
        doubted = distrust(repro["ids"], rounds, self.distrust_after)
        for v in verdicts:
            if doubted and "tests" in v.details:
                v.details["distrusted"] = list(doubted)
                v.feedback += "\n" + "; ".join(f"no candidate of {n} passes {t}: that test may itself be wrong"
                                               for t, n in doubted.items())
        return verdicts

    def _ablations(self, ctx: StepContext, cands: list[Candidate], verdicts: list[Verdict],
                   tried: set[str]) -> list[Candidate]:
        """Smaller versions of the best candidate that breaks existing tests (see the class doc) not
        in `tried` (patches already checked), as many as the budget's test runs allow."""
        if self.ablate <= 0:
            return []
        broken = [(v.score, i) for i, (c, v) in enumerate(zip(cands, verdicts))
                  if v.details.get("regressions") and "ablation" not in c.meta
                  and c.content["patch"].count("diff --git") == 1]
        for _, i in sorted(broken, reverse=True):  # the best broken candidate with versions not tried yet
            parent = cands[i]
            rel = parent.content["file"]
            try:
                old = (Path(ctx.task.input["workdir"]) / rel).read_text(errors="replace")
                options = ablations(old, apply_unified(old, parent.content["patch"]), limit=100)
            except (OSError, EditError) as e:
                ctx.errors.append(f"ablation of {parent.id}: {e}")
                continue
            patches = [(label, unified_diff({rel: (old, text)})) for label, text in options]
            patches = [(label, p) for label, p in patches if p not in tried][: self.ablate]
            while patches and not ctx.tracker.can_afford(ctx.tracker.cost_model.tool_call("run_tests", len(patches))):
                patches.pop()
            if patches:
                return [Candidate(content={**parent.content, "patch": p}, text=f"{label} of {parent.id}",
                                  key=patch_key(p), origin=ctx.mode, parent=parent.id, meta={"ablation": label})
                        for label, p in patches]
        return []

    async def _baseline(self, ctx: StepContext, repo: Path, base: str, existing: list[str]) -> dict[str, str]:
        for rec in ctx.history:  # computed once per run, kept in the trajectory
            if rec.observation and "baseline" in rec.observation:
                return rec.observation["baseline"]
        if "baseline" not in ctx.scratch:
            res = await asyncio.to_thread(run_checks, repo, base, targets=existing,
                                          sandbox=ctx.runtime.sandbox_backend, tracker=ctx.tracker)
            ctx.scratch["baseline"] = res.outcomes
        return ctx.scratch["baseline"]


MOVED_CREDIT = 0.25


def distrust(repro_ids: list[str], rounds: list[list[Verdict]], after: int) -> dict[str, int]:
    """{test: candidates run against it} for each reproduction test that candidates of at least
    `after` rounds (patch steps) ran against and none passed."""
    out = {}
    for t in repro_ids:
        ran = [[v.details["tests"][t] for v in r if t in v.details.get("tests", {})] for r in rounds]
        ran = [r for r in ran if r]
        if len(ran) >= after and not any(any(r) for r in ran):
            out[t] = sum(len(r) for r in ran)
    return out


def score(cand: Candidate, res: CheckResult, repro: dict[str, Any], keep: list[str]) -> Verdict:
    """`repro`: `kept_tests(...)` (ids, and the base commit's failure signatures per test file)."""
    repro_ids, base = repro["ids"], repro.get("base", {})
    if res.patch_error:
        return Verdict(candidate_id=cand.id, score=0.0, passed=False, feedback=f"patch does not apply: {res.patch_error}")
    fixed = [t for t in repro_ids if res.passed(t)]
    # ran to an assertion (no collection or import error) but failed differently than on the base commit
    seen = {t: node_signatures(res.messages, t) for t in repro_ids}
    moved = [t for t in repro_ids if t not in fixed and res.outcomes.get(t) == "failed" and base.get(t)
             and seen[t] != base[t]]
    kept = [t for t in keep if res.passed(t)]
    regressions = [t for t in keep if not res.passed(t)]
    g = len(kept) / len(keep) if keep else 1.0
    tests = {t: res.passed(t) for t in repro_ids + keep}
    # Any patch that keeps the existing tests green (score ≥ 0.3) outranks any patch that breaks
    # one (0.1-0.29); within each group, the share of reproduction tests it fixes decides. A patch
    # that fixes the reproduction but breaks a few tests is still worth refining (≥ 0.2).
    if repro_ids:
        r = (len(fixed) + MOVED_CREDIT * len(moved)) / len(repro_ids)
        value = 0.1 + 0.19 * r * g if regressions else 0.3 + 0.7 * r
        passed, uncertainty = (not regressions and len(fixed) == len(repro_ids)), 0.2
    else:
        value, passed, uncertainty = (0.1 + 0.19 * g if regressions else 0.5), None, 1.0
    failing = [t for t in repro_ids if not res.passed(t)] + regressions
    feedback = ("all checks pass" if not failing else
                "failing: " + ", ".join(failing[:8]) + "\n" + res.output[-1500:])
    signatures = {t: "passed" if t in fixed else "changed: " + repr(sorted(seen[t].items()))
                  if t in moved else "as on the base commit" for t in repro_ids}
    return Verdict(candidate_id=cand.id, score=value, passed=passed, uncertainty=uncertainty, feedback=feedback,
                   details={"tests": tests, "fixed": len(fixed), "moved": moved, "reproductions": len(repro_ids),
                            "regressions": regressions, "partial": {t: MOVED_CREDIT for t in moved},
                            "signatures": signatures})


class PatchController(RuleController):
    """Rules, plus two cases where refining against the reproduction tests cannot pay:
    - no reproduction tests: a patch with no regressions is accepted (select and its judge take over);
    - every reproduction test distrusted (no candidate passes it): stop with the best if it changed
      what the tests see, else pivot (re-localize: the edits may be in the wrong place) while the
      rules allow one."""

    def __init__(self, **kw: Any):
        kw = {"accept_score": 1.0, "promising": 0.2, "max_digs": 2, "max_pivots": 1, "max_steps": 5} | kw
        super().__init__(**kw)

    async def decide(self, ctx: StepContext, selection: Selection, best: Verdict | None) -> Decision:
        details = best.details if best is not None else {}
        if best is not None and details.get("reproductions") == 0 and not details.get("regressions") \
                and best.score > 0:
            return Decision(action="accept", reason="no reproduction test to refine against; no regressions")
        doubted = details.get("distrusted") or []
        if doubted and len(doubted) == details.get("reproductions"):
            why = f"no candidate passes the reproduction tests ({len(doubted)}); they may be wrong"
            if details.get("moved") and not details.get("regressions"):
                return Decision(action="stop", reason=f"{why}; the best changes what they see and breaks "
                                                      f"nothing (score {best.score:.2f}): stop refining against them")
            if ctx.result.pivots < self.max_pivots and ctx.can_afford_another_step(margin=self.min_fraction_left):
                return Decision(action="pivot", reason=f"{why}, and no patch changes what they see: "
                                                       "re-localize and try elsewhere")
            return Decision(action="stop", reason=f"{why}; no pivots or budget left (best {best.score:.2f})")
        return await super().decide(ctx, selection, best)
