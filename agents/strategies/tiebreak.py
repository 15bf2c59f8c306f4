"""Rank with a primary strategy; when several candidates tie at the top, let a judge decide
(CodeMonkeys: vote with generated tests, break ties with a model)."""
from __future__ import annotations

from agents.state import Candidate, Selection, Verdict


class TieBreak:
    name = "tiebreak"

    def __init__(self, primary, judge, *, tolerance: float = 1e-6, max_tied: int = 4):
        self.primary, self.judge, self.tolerance, self.max_tied = primary, judge, tolerance, max_tied

    async def select(self, candidates: list[Candidate], verdicts: list[Verdict], ctx=None) -> Selection:
        first = await self.primary.select(candidates, verdicts, ctx)
        if first.winner is None:
            return first
        top = first.scores.get(first.winner, 0.0)
        by_id = {c.id: c for c in candidates}
        tied = [by_id[cid] for cid in first.ranking if cid in by_id and by_id[cid].valid
                and abs(first.scores.get(cid, 0.0) - top) <= self.tolerance][: self.max_tied]
        if len(tied) < 2 or ctx is None:
            return first
        second = await self.judge.select(tied, [v for v in verdicts if v.candidate_id in by_id], ctx)
        if second.winner is None:
            return first
        ranking = [second.winner] + [cid for cid in first.ranking if cid != second.winner]
        return Selection(strategy=f"{first.strategy}+{second.strategy}", winner=second.winner, ranking=ranking,
                         scores=first.scores, reason=f"{first.reason}; {len(tied)} tied: {second.reason}")
