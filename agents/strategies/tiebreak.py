"""Rank with a primary strategy; when several candidates tie at the top, let a judge decide
(CodeMonkeys: vote with generated tests, break ties with a model)."""
from __future__ import annotations

from typing import Any, ClassVar

from pydantic import SerializeAsAny

from agents.state import Candidate, Selection, Verdict
from agents.strategies.base import StrategyBase


class TieBreak(StrategyBase):
    name: ClassVar[str] = "tiebreak"
    primary: SerializeAsAny[Any]
    judge: SerializeAsAny[Any]
    tolerance: float = 1e-6
    max_tied: int = 4

    def __init__(self, primary: Any = None, judge: Any = None, **kw: Any):
        super().__init__(primary=primary, judge=judge, **kw)

    async def select(self, ctx, candidates: list[Candidate], verdicts: list[Verdict]) -> Selection:
        first = await self.primary.select(ctx, candidates, verdicts)
        if first.winner is None:
            return first
        top = first.scores.get(first.winner, 0.0)
        by_id = {c.id: c for c in candidates}
        tied = [by_id[cid] for cid in first.ranking if cid in by_id and by_id[cid].valid
                and abs(first.scores.get(cid, 0.0) - top) <= self.tolerance][: self.max_tied]
        if len(tied) < 2 or ctx is None:
            return first
        # the judge sees the verifier's feedback but scores as the primary ranked them: a judge that
        # cannot decide (no usable answer, a pick that moves with the order) leaves the primary's order
        scored = [v.model_copy(update={"score": first.scores.get(v.candidate_id, v.score)})
                  for v in verdicts if v.candidate_id in by_id]
        second = await self.judge.select(ctx, tied, scored)
        if second.winner is None:
            return first
        ranking = [second.winner] + [cid for cid in first.ranking if cid != second.winner]
        return Selection(strategy=f"{first.strategy}+{second.strategy}", winner=second.winner, ranking=ranking,
                         scores=first.scores, reason=f"{first.reason}; {len(tied)} tied: {second.reason}")
