"""Majority vote over normalized answers (self-consistency)."""
from __future__ import annotations

from collections import Counter
from typing import ClassVar

from agents.state import Candidate, Selection, Verdict
from agents.strategies.base import StrategyBase, rank_by


class MajorityVote(StrategyBase):
    name: ClassVar[str] = "majority"

    async def select(self, ctx, candidates: list[Candidate], verdicts: list[Verdict]) -> Selection:
        keys = {c.id: (c.key if c.key is not None else str(c.content).strip()) for c in candidates if c.valid}
        counts = Counter(keys.values())
        total = sum(counts.values()) or 1
        scores = {cid: counts[k] / total for cid, k in keys.items()}
        top = counts.most_common(1)
        reason = f"{top[0][1]} of {total} votes" if top else "no votes"
        return rank_by(candidates, scores, strategy=self.name, reason=reason)
