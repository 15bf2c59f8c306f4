"""Highest verifier score wins; `pessimistic` ranks by a lower confidence bound instead (Heimdall)."""
from __future__ import annotations

from typing import ClassVar

from agents.state import Candidate, Selection, Verdict
from agents.strategies.base import StrategyBase, rank_by, verdict_map


class BestScore(StrategyBase):
    name: ClassVar[str] = "best_score"

    async def select(self, ctx, candidates: list[Candidate], verdicts: list[Verdict]) -> Selection:
        vm = verdict_map(verdicts)
        scores = {c.id: vm[c.id].score if c.id in vm else 0.0 for c in candidates}
        best = max(scores.values(), default=0.0)
        return rank_by(candidates, scores, strategy=self.name, reason=f"highest verifier score {best:.2f}")


class Pessimistic(StrategyBase):
    """Prefer the candidate whose *worst plausible* score is best: score − penalty × uncertainty.

    Uncertainty comes from the verifier (e.g. disagreement among judge samples, or tests that could
    not run); candidates without it are treated as maximally uncertain (1.0)."""

    name: ClassVar[str] = "pessimistic"
    penalty: float = 0.5

    async def select(self, ctx, candidates: list[Candidate], verdicts: list[Verdict]) -> Selection:
        vm = verdict_map(verdicts)
        scores = {}
        for c in candidates:
            v = vm.get(c.id)
            scores[c.id] = 0.0 if v is None else v.score - self.penalty * (1.0 if v.uncertainty is None else v.uncertainty)
        return rank_by(candidates, scores, strategy=self.name,
                       reason=f"best lower bound (score − {self.penalty} × uncertainty)")
