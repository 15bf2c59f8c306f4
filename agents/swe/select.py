"""Select: every verified patch of the run competes; vote with the generated tests (CodeMonkeys),
break ties with a judge model, whose pick counts only if it survives listing the tied candidates in
reverse order (a pick that moves with the order leaves the vote's order). `pessimistic=True` prefers the least uncertain candidate instead.

The judge's prompt starts with the patch stage's latest prompt, exactly (its messages, kept in the
patch stage's memo: `agents.swe.patch.LAST_PROMPT`), then asks its question in one more user message:
a local model's KV cache still holds that prompt (the judge follows the last patch call), so only the
judge's own message is prefilled (agents/models/prefix.py keeps whole shared messages), and the judge
sees the issue and the code the candidates edit. Measured on smollm2 (lrukit-1's sampled patch
prompt, two candidates): 266 of 1,134 judge prompt tokens prefilled, against 497 of 497 without. The
lead costs budget tokens (the budget counts every prompt token): a judge the budget cannot pay for
with the lead asks again without it. No patch prompt in the memo (a run checkpointed before this
existed): the judge's own prompt."""
from __future__ import annotations

from typing import Any

from budgets import Budget, BudgetExceeded

from agents.context import StepContext
from agents.controllers import AcceptController
from agents.stage import Stage
from agents.state import Candidate, Selection, Verdict
from agents.strategies import LLMJudge, Pessimistic, TestVote, TieBreak
from agents.strategies.judge import LEAD_MEMO
from agents.swe.patch import LAST_PROMPT


class Select(Stage):
    name = "select"
    tools = ()  # votes on the test runs the patch stage recorded, runs none
    k = 0
    # at most one judge call and its retry without the lead: two patches with the lead measured 1,134
    # prompt tokens + 128 out; without it 497. The patch stage leaves this much instead of a share.
    need = Budget(tokens=1500, model_calls=2)

    def __init__(self, *, pessimistic: bool = False, judge: bool = True, **kw: Any):
        primary = Pessimistic() if pessimistic else TestVote()
        # swap: the pick must survive the reversed order (see agents/strategies/judge.py), paid from what is left
        judged = TieBreak(primary, LLMJudge(criteria="fixing the issue without breaking anything", swap=True))
        kw.setdefault("strategy", judged if judge else primary)
        kw.setdefault("controller", AcceptController())
        kw.setdefault("verifier", _Recorded())
        super().__init__(**kw)

    async def propose(self, ctx: StepContext) -> list[Candidate]:
        """Every valid patch of the run, once per normalized edit; `meta["votes"]` counts the samples
        that made that edit (test vote uses it to break ties before the judge is asked)."""
        lead = last_patch_prompt(ctx)
        if lead:
            ctx.memo[LEAD_MEMO] = lead
        else:
            ctx.memo.pop(LEAD_MEMO, None)
        seen: dict[str, Candidate] = {}
        votes: dict[str, int] = {}
        for rec in ctx.history_of("patch"):
            for c in rec.candidates:
                if not c.valid:
                    continue
                key = c.key or c.text
                votes[key] = votes.get(key, 0) + 1
                seen.setdefault(key, c)
        return [c.model_copy(update={"meta": {**c.meta, "votes": votes[key]}}) for key, c in seen.items()]

    async def _select(self, ctx: StepContext, candidates: list[Candidate], verdicts: list[Verdict]) -> Selection:
        """A judge the budget cannot pay for with the lead asks again without it (then as any stage)."""
        if ctx.memo.get(LEAD_MEMO):
            try:
                return await self.strategy.select(ctx, candidates, verdicts)
            except BudgetExceeded:
                ctx.memo.pop(LEAD_MEMO)  # the memo says what the judge was asked with
        return await super()._select(ctx, candidates, verdicts)


def last_patch_prompt(ctx: StepContext) -> list[dict[str, str]] | None:
    """The messages of the patch stage's latest model call, or None."""
    result = ctx.results.get("patch")
    lead = result.memo.get(LAST_PROMPT) if result is not None else None
    ok = isinstance(lead, list) and lead and all(isinstance(m, dict) and isinstance(m.get("content"), str) for m in lead)
    return [{"role": str(m.get("role", "user")), "content": m["content"]} for m in lead] if ok else None


class _Recorded:
    """Reuse the verdicts the patch stage already computed (no re-running)."""

    async def verify(self, ctx: StepContext, candidates: list[Candidate]) -> list[Verdict]:
        wanted = {c.id for c in candidates}
        out = {}
        for rec in ctx.history_of("patch"):
            for v in rec.verdicts:
                if v.candidate_id in wanted:
                    out[v.candidate_id] = v
        return list(out.values())
