"""Select: every verified patch of the run competes; vote with the generated tests (CodeMonkeys),
break ties with a judge model. `pessimistic=True` prefers the least uncertain candidate instead."""
from __future__ import annotations

from typing import Any

from agents.context import StepContext
from agents.controllers import AcceptController
from agents.stage import Stage
from agents.state import Candidate, Verdict
from agents.strategies import LLMJudge, Pessimistic, TestVote, TieBreak


class Select(Stage):
    name = "select"
    k = 0

    def __init__(self, *, pessimistic: bool = False, judge: bool = True, **kw: Any):
        primary = Pessimistic() if pessimistic else TestVote()
        kw.setdefault("strategy", TieBreak(primary, LLMJudge(criteria="fixing the issue without breaking anything"))
                      if judge else primary)
        kw.setdefault("controller", AcceptController())
        kw.setdefault("verifier", _Recorded())
        super().__init__(**kw)

    async def propose(self, ctx: StepContext) -> list[Candidate]:
        """Every valid patch of the run, once per normalized edit; `meta["votes"]` counts the samples
        that made that edit (test vote uses it to break ties before the judge is asked)."""
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
