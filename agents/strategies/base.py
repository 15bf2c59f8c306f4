"""Helpers shared by the selection strategies (the protocol itself is `agents.protocols.Strategy`:
`select(ctx, candidates, verdicts) -> Selection`). Strategies are pydantic models, so their
settings are their config (written to run.json)."""
from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict

from agents.protocols import Strategy
from agents.state import Candidate, Selection, Verdict

__all__ = ["Strategy", "StrategyBase", "verdict_map", "rank_by"]


class StrategyBase(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)
    name: ClassVar[str] = "strategy"


def verdict_map(verdicts: list[Verdict]) -> dict[str, Verdict]:
    return {v.candidate_id: v for v in verdicts}


def rank_by(candidates: list[Candidate], scores: dict[str, float], *, strategy: str, reason: str) -> Selection:
    """Selection from per-candidate scores; invalid candidates rank last; stable on ties (earlier first)."""
    order = sorted(candidates, key=lambda c: (not c.valid, -scores.get(c.id, 0.0), c.finish_order))
    valid = [c for c in order if c.valid]
    return Selection(strategy=strategy, winner=valid[0].id if valid else None,
                     ranking=[c.id for c in order], scores=scores,
                     reason=reason if valid else "no valid candidate")
