"""How a run's budget is split over its stages.

A stage with a `share` gets that fraction of the run; stages without one split what the explicit
shares leave, equally (if the explicit shares leave nothing, a stage without one is capped only by
the run: it gets whatever is left). Slices are carved from what *remains* when a stage starts, so
what earlier stages did not use flows to later ones: stage i gets
`share_i / (share_i + share_{i+1} + ... )` of the remaining budget, and the last stage all of it.
A tool's calls are carved the same way among the stages that call that tool only (`tool_fractions`):
a stage that never calls it gets none of its calls, and keeps no part of them from the stages that do.
A *bounded* stage (one whose need is known: one judge call) takes no share: the stages before it hold
its need back from what remains and split the rest (`bounded`, the same mask as a tool's `uses`).
"""
from __future__ import annotations

from collections.abc import Sequence


def nominal(shares: Sequence[float | None]) -> list[float | None]:
    """Each stage's fraction of the whole run: its share, or an equal part of what the explicit shares
    leave (None: no slice of its own, when no stage has a share or the explicit ones leave nothing)."""
    if all(s is None for s in shares):
        return [None] * len(shares)
    unnamed = sum(1 for s in shares if s is None)
    rest = max(0.0, 1.0 - sum(s for s in shares if s is not None)) / unnamed if unnamed else 0.0
    return [s if s is not None else (rest if rest > 0.0 else None) for s in shares]


def fraction_of_remaining(shares: Sequence[float | None], index: int,
                          uses: Sequence[bool] | None = None) -> float | None:
    """The fraction of the remaining budget stage `index` gets (None: no slice of its own; every
    stage without a share when none has one, or when the explicit shares leave nothing). With
    `uses` (for one tool: which stages call it), the later stages that do not call it are left out
    of the split, and a stage that does not call it gets 0."""
    if all(s is None for s in shares):
        return None
    if uses is not None and not uses[index]:
        return 0.0
    explicit = sum(s for s in shares if s is not None)
    unnamed = sum(1 for s in shares if s is None)
    rest = max(0.0, 1.0 - explicit) / unnamed if unnamed else 0.0
    own = shares[index] if shares[index] is not None else rest
    if own <= 0.0:
        return None if shares[index] is None else 0.0
    later = sum(s if s is not None else rest for j, s in enumerate(shares[index:], index)
                if uses is None or uses[j])
    return min(1.0, own / later) if later > 0 else 1.0


def tool_fractions(shares: Sequence[float | None], index: int,
                   calls: Sequence[tuple[str, ...] | None], tools: Sequence[str],
                   bounded: Sequence[bool] | None = None) -> dict[str, float]:
    """Stage `index`'s fraction of the remaining calls of each tool in `tools`, where `calls[j]` names
    the tools stage j calls (None: any tool) and `bounded[j]` whether stage j takes no share. Only the
    tools some stage declares it does not call differ from `fraction_of_remaining(shares, index,
    bounded-mask)`; the others are left out (the stage's share applies)."""
    out: dict[str, float] = {}
    free = [not b for b in bounded] if bounded is not None else [True] * len(shares)
    for tool in tools:
        uses = [(c is None or tool in c) and f for c, f in zip(calls, free)]
        if uses == free:
            continue
        f = fraction_of_remaining(shares, index, uses)
        if f is not None:
            out[tool] = f
    return out
