"""The `Strategy` protocol: pick a winner among verified candidates and say why."""
from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

from agents.state import Candidate, Selection, Verdict

if TYPE_CHECKING:
    from agents.stage import StepContext


@runtime_checkable
class Strategy(Protocol):
    name: str

    async def select(self, candidates: list[Candidate], verdicts: list[Verdict], ctx: "StepContext") -> Selection:
        ...


def verdict_map(verdicts: list[Verdict]) -> dict[str, Verdict]:
    return {v.candidate_id: v for v in verdicts}


def rank_by(candidates: list[Candidate], scores: dict[str, float], *, strategy: str, reason: str) -> Selection:
    """Selection from per-candidate scores; invalid candidates rank last; stable on ties (earlier first)."""
    order = sorted(candidates, key=lambda c: (not c.valid, -scores.get(c.id, 0.0), c.finish_order))
    valid = [c for c in order if c.valid]
    return Selection(strategy=strategy, winner=valid[0].id if valid else None,
                     ranking=[c.id for c in order], scores=scores,
                     reason=reason if valid else "no valid candidate")
