"""Patch: N candidate edits of the localized file, in a format the model can follow, verified by
running the reproduction tests and the related existing tests in each candidate's own worktree
(`agents.swe.patch_verify`). Dig deeper = refine the best patch with its test failures; pivot =
re-localize (other files). `ablate=N`: smaller versions of a patch that breaks existing tests are
added by the `expand` hook and verified and selected like the samples."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from agents.context import StepContext
from agents.models.base import Message
from agents.stage import Stage
from agents.state import Candidate, SampleRequest, Verdict
from agents.strategies import TestVote
from agents.swe.details import patch_key
from agents.swe.patch_control import PatchController, note_agreement
from agents.swe.patch_reask import reask_request
from agents.swe.patch_verify import PatchVerifier, distrusted_tests, suite_key, verdict_key
from agents.swe.reproduce import kept_tests
from tools.edits import (EditError, apply_diff_reply, diff_block, rewrite_file, rewrite_function, search_replace,
                         unified_diff)
from tools.patches import ablations, apply_unified, blamed_names
from tools.repo import match_path, source_files, symbols

__all__ = ["FORMATS", "Patch", "PatchController", "PatchVerifier", "patch_key"]

FORMATS = ("auto", "file", "function", "search_replace")
LAST_PROMPT = "last_prompt"  # ctx.memo key: the messages of the stage's latest model call (agents.swe.select)


# Asked for code straight away, small models often echo the file unchanged; one sentence of
# diagnosis first makes them commit to a change (seen with Qwen2.5-Coder-1.5B on the example suite).
# Replies often write back the issue's usage example instead of the file (lrukit-1, five demo seeds:
# 8 of 20 sampled replies were no edit of the file, most of them that). Until 2026-12-07 the plain
# (greedy) prompt went without this line, as `--mode single` had always sent it; on the 9 recorded
# test-split cells its replies wrote back the example in 6-7 of 19-24 runs each (sampled replies,
# with the line: 2-6 of 16-24), the greedy attempt of `single` and of every first round included.
WRITE_BACK = " The block must be all of {rel} itself, not the issue's example code."
DIAGNOSE = "First say in one or two sentences which line causes the issue and how it must change. "


class Patch(Stage):
    name = "patch"
    tools = ("run_tests",)
    k = 4
    max_tokens = 2048
    temperature = 0.8
    pivot_to = "localize"
    edit_format = "auto"      # auto: whole file up to `max_file_lines`, else the localized function
    max_file_lines = 80       # whole-file rewrites cost output tokens: small models decode ~10-30 tok/s
    context_lines = 300       # function format: the whole file is shown (not written back) up to this size
    spread = 2                # how many (file, function) targets the K samples are split over
    greedy_first = True       # first round: one sample per target is the plain greedy attempt
    ablate = 0                # smaller versions of the best patch that breaks existing tests, per step
    # localization this sure (top file's votes >= focus x the runner-up's): no hedge, all K samples on the
    # top file; 0 = always hedge. On 56 recorded runs of the example suite, replayed, the default moved
    # the share of samples on a gold file from 0.46 to 0.63 (one run lost its hedge on the gold file).
    focus = 2.0
    show_budget = True        # the "Budget left" line in sampled prompts (see `prompt`)
    # follow-up turns per step for replies that are no edit (agents.swe.patch_reask). Off by default: on the
    # test split (1.5B, best-of-N 8k, seed 0) 2 of 6 follow-ups were an edit, none resolving, against 26 of
    # 38 fresh samples; asked before the step's later samples they cost confparse-1 and mdtable-1 (4/12 -> 2/12)
    reask = 0
    settings = ("edit_format", "max_file_lines", "context_lines", "spread", "greedy_first", "ablate", "focus", "show_budget", "reask")

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
        # one target per file (its best function): the K samples also hedge the file choice, unless
        # the localization votes agree (an easy localization): then hedging halves the samples on
        # the file that needs the fix (lrukit-1: 3 of 3 votes for cache.py, 1 sample of 4 sampled it)
        return [(f, (fns.get(f) or [None])[0]) for f in files[: max(1, min(self._spread(loc), self.k))]]

    def _spread(self, loc: dict[str, Any]) -> int:
        votes = sorted((loc.get("votes") or {}).values(), reverse=True)
        if self.focus > 0 and len(votes) >= 2 and votes[1] > 0 and votes[0] >= self.focus * votes[1]:
            return 1
        return self.spread

    def _format(self, source: str, function: str | None) -> str:
        if self.edit_format != "auto":
            return self.edit_format
        return "function" if function and len(source.splitlines()) > self.max_file_lines else "file"

    def requests(self, ctx: StepContext) -> list[SampleRequest]:
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
        # The model's reproduction tests are often wrong, and shown a wrong test it writes patches
        # for the test. So in the first round the first sample for each target is the attempt
        # `--mode single` makes there (greedy, the plain prompt: the issue, no tests, no budget
        # line): scaling then adds to one attempt instead of replacing it, for each file the
        # localization hedges over. (With k=1 that is the only sample: `--mode single` itself.)
        greedy = self.greedy_first and ctx.mode == "sample" and ctx.step == 0
        out = []
        for i, plan in enumerate(plans):
            n = self.k // len(plans) + (1 if i < self.k % len(plans) else 0)
            cap = self._reply_tokens(plan)
            least = min(cap, max(256, 100 + len(plan["code"]) // 3))  # the code at ~3 chars a token
            if greedy and n > 0:
                out.append(self._request(ctx, {**plan, "plain": True}, n=1, max_tokens=cap, min_tokens=least,
                                         temperature=0.0))
                n -= 1
            if n > 0:
                out.append(self._request(ctx, {**plan, "plain": False}, n=n, max_tokens=cap, min_tokens=least))
        return out

    def _request(self, ctx: StepContext, plan: dict[str, Any], *, n: int, **params: Any) -> SampleRequest:
        p = self.params(ctx, n=n).model_copy(update=params)
        return SampleRequest(params=p, plan=plan, model=self.model)  # messages: at call time (prompt_for)

    def prompt_for(self, ctx: StepContext, request: SampleRequest) -> list[Message]:
        messages = self.prompt(ctx, request.plan)
        ctx.memo[LAST_PROMPT] = messages  # the select stage's judge starts with it: its prefill is reused
        return messages

    def follow_up(self, ctx: StepContext, request: SampleRequest, candidate: Candidate) -> SampleRequest | None:
        """A reply that is no edit (the file unchanged, the issue's example written back, no code block,
        code that does not parse) is shown its problem once, up to `reask` replies a step."""
        used = ctx.memo.get("reasks") or {}
        n = used.get("n", 0) if used.get("step") == ctx.step else 0
        again = reask_request(request, candidate) if n < self.reask else None
        if again is not None:
            ctx.memo["reasks"] = {"step": ctx.step, "n": n + 1}
        return again

    def _reply_tokens(self, plan: dict[str, Any]) -> int:
        """Output cap for one sample: a diagnosis plus the code it must write back (about 1 token per
        3 characters, with headroom), at most `max_tokens`. The budget reserves this worst case per
        sample before the call, so a tight cap lets more samples fit a budget; when not even one fits,
        one sample runs with the cap lowered to what fits, down to about the code's own length
        (`min_tokens`: on the 8k test split the 18 patch calls used 121-969 output tokens of the
        264-1,340 reserved, and confparse-1's stage stopped with 1,810 tokens left: its next 1,222-token
        cap plus the prompt did not fit)."""
        code = plan["code"]
        if plan["format"] == "search_replace":  # only the replaced lines are written back
            code = code[: len(code) // 2]
        return max(256, min(self.max_tokens, 200 + len(code) // 2))

    def prompt(self, ctx: StepContext, plan: dict[str, Any] | None = None) -> list[Message]:
        if plan is None:
            raise ValueError("the patch stage builds its prompts per target: use requests(ctx)")
        rel, function, fmt, source = (plan[k] for k in ("file", "function", "format", "source"))
        issue = ctx.task.input["problem_statement"][:4000]
        doubted = distrusted_tests(ctx)
        plain = plan.get("plain")
        repro = {} if plain else {
            p: code for p, code in kept_tests(ctx)["files"].items() if p not in doubted}
        test_note = ""
        if repro:
            path, code = next(iter(repro.items()))
            test_note = f"\n\nThis test reproduces the issue and must pass after your fix:\n```python\n{code[:2000]}\n```"
        if fmt == "function" and function:
            # The file is shown when it is short enough, the function alone otherwise: shown only the
            # function, the 1.5B guessed what it could not see (dev, one greedy attempt each: `self._hits`
            # for the class's `self.hits`, `@wraps` in a file that imports `functools`).
            whole = len(source.splitlines()) <= self.context_lines
            ask = (f"File {rel}{':' if whole else ' contains:'}\n```python\n{source if whole else plan['code']}\n```\n"
                   f"{DIAGNOSE}Then reply with the complete corrected `{function.split('.')[-1]}` in one ```python block"
                   + (", that function alone, not the whole file." if whole else "."))
        elif fmt == "search_replace":
            ask = (f"File {rel}:\n```python\n{source}\n```\nFix the issue with SEARCH/REPLACE blocks:\n{rel}\n"
                   "<<<<<<< SEARCH\n<exact lines to replace>\n=======\n<new lines>\n>>>>>>> REPLACE")
        else:
            ask = (f"File {rel}:\n```python\n{source}\n```\n{DIAGNOSE}Then reply with the complete corrected file "
                   "in one ```python block, changing only what the fix needs." + WRITE_BACK.format(rel=rel))
        if ctx.mode == "refine" and ctx.best:
            cand, verdict = ctx.best
            ask += (f"\n\nA previous fix attempt:\n```diff\n{cand.content['patch'][:3000]}\n```\nIt still fails:\n"
                    f"{verdict.feedback[:1500]}\nImprove on it.")
        elif ctx.mode == "pivot":
            ask += "\n\nEarlier fixes in other places did not work; look at this code afresh."
        # The sampled prompts end with the budget left (the plain attempt is the same whatever the
        # budget). It comes last, after any refinement feedback: what changes between calls goes at
        # the end, so consecutive prompts share a prefix the KV cache reuses. `show_budget: false` (a
        # plan setting) leaves it out: a sample's prompt and seed are then the same at every budget,
        # so a bigger budget draws a smaller one's candidates and adds to them (nested budget cells);
        # with it, small models' output changes with the budget in the prompt (test split, 1.5B,
        # best-of-N at 8k and 16k: 17 of the 8k cell's 31 patches drawn again, mostly the greedy ones).
        budget = f"\n\nBudget left: {ctx.budget_text()}" if self.show_budget and not plain else ""
        return [{"role": "system", "content": "You fix bugs in Python code."},
                {"role": "user", "content": f"Issue:\n{issue}{test_note}\n\n{ask}{budget}"}]

    def parse(self, ctx: StepContext, request: SampleRequest, text: str) -> dict[str, Any]:
        plan = request.plan
        rel, fmt, source, function = plan["file"], plan["format"], plan["source"], plan.get("function")
        try:
            if fmt == "function" and function:
                changes = {rel: (source, rewrite_function(source, function, text, others=True))}
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

    async def expand(self, ctx: StepContext, candidates: list[Candidate], verdicts: list[Verdict]) -> list[Candidate]:
        """Smaller versions of the candidates that break existing tests: small models often write the
        right fix together with an unrelated change (a rename that fails every import). Up to
        `ablate` versions of each such candidate, best first (one change left out, or one change
        alone: `tools.patches.ablations`; leaving out a change that touches a name the failing tests
        complain about first), not checked before, as many as the budget's test runs allow; test
        runs only, no tokens. First notes the step's difficulty signal for the controller
        (`note_agreement`)."""
        note_agreement(ctx, candidates)
        if self.ablate <= 0:
            return []
        by_id = {v.candidate_id: v for v in verdicts}
        broken = [(by_id[c.id].score, i) for i, c in enumerate(candidates)
                  if c.valid and c.id in by_id and by_id[c.id].details.regressions and c.source != "expand"
                  and c.content["patch"].count("diff --git") == 1]
        suite = suite_key(kept_tests(ctx))
        tried = PatchVerifier.tried(ctx)  # a fresh set: versions chosen here are added
        out: list[Candidate] = []
        for _, i in sorted(broken, reverse=True):
            parent, details = candidates[i], by_id[candidates[i].id].details
            rel = parent.content["file"]
            blamed = blamed_names([details.tests[t].message for t in details.regressions if t in details.tests])
            try:
                old = (Path(ctx.task.input["workdir"]) / rel).read_text(errors="replace")
                options = ablations(old, apply_unified(old, parent.content["patch"]), limit=100, blamed=blamed)
            except (OSError, EditError) as e:
                ctx.errors.append(f"ablation of {parent.id}: {e}")
                continue
            mine = 0
            for label, text in options:
                p = unified_diff({rel: (old, text)})
                key = verdict_key(suite, p)
                if mine >= self.ablate or key in tried:
                    continue
                if not ctx.tracker.can_afford(ctx.tracker.cost_model.tool_call("run_tests", len(out) + 1)):
                    return out
                tried.add(key)
                mine += 1
                out.append(Candidate(content={**parent.content, "patch": p}, text=f"{label} of {parent.id}",
                                     key=patch_key(p), origin=ctx.mode, parent=parent.id, meta={"ablation": label}))
        return out

