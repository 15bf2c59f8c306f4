"""First Finish Search: among candidates that verify, take the one that finished generating first.

Shorter traces finish first and, on reasoning tasks, are more often right; with parallel sampling
this is the candidate available soonest. Candidates that failed verification are skipped."""
from __future__ import annotations

from typing import ClassVar

from agents.state import Candidate, Selection, Verdict
from agents.strategies.base import StrategyBase, rank_by, verdict_map


class FirstFinish(StrategyBase):
    name: ClassVar[str] = "first_finish"

    async def select(self, ctx, candidates: list[Candidate], verdicts: list[Verdict]) -> Selection:
        vm = verdict_map(verdicts)
        ok = [c for c in candidates if c.valid and (c.id not in vm or vm[c.id].passed is not False)]
        order = sorted(ok, key=lambda c: (c.finish_order, c.output_tokens))
        scores = {c.id: 1.0 / (1 + i) for i, c in enumerate(order)}
        sel = rank_by(candidates, scores, strategy=self.name, reason="first candidate to finish that verifies")
        if not ok:
            sel.winner, sel.reason = None, "no candidate passed verification"
        return sel
