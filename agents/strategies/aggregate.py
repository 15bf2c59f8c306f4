"""Aggregating strategies: merge the K samples of one step into the candidates that get verified
(`agents.protocols.Aggregator`), so a stage that samples K rankings or K test lists does not merge
them inside `propose`. The raw samples stay in the step's trajectory record (`samples`).

- `BordaMerge`: each sample's content is a ranked list; an item at rank r of a sample scores
  `weight(r)` (Borda: depth − r; reciprocal: 1 / (1 + r)); items are ordered by total score (ties:
  first seen first). An optional `prior(ctx)` adds scores of its own (a lexical ranking ...).
- `UnionMerge`: each sample's content is a list; one candidate holds their union, deduplicated in
  first-seen order, optionally after `seed(ctx)` items, at most `limit` of them.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, ClassVar, Literal

from pydantic import Field

from agents.state import Candidate
from agents.strategies.base import StrategyBase


def _item_key(item: Any) -> str:
    return item if isinstance(item, str) else json.dumps(item, sort_keys=True, default=str)


class BordaMerge(StrategyBase):
    name: ClassVar[str] = "borda"
    weighting: Literal["borda", "reciprocal"] = "borda"
    depth: int = 5                  # ranks counted per sample
    keep: int = 5                   # items in the merged ranking
    prior: Callable[[Any], dict[str, float]] | None = Field(default=None, exclude=True)

    def weight(self, rank: int) -> float:
        return float(self.depth - rank) if self.weighting == "borda" else 1.0 / (1 + rank)

    def scores(self, ctx: Any, samples: list[Candidate]) -> tuple[dict[str, float], dict[str, Any]]:
        """{item key: total score} and {item key: item} over the valid samples (and the prior)."""
        totals: dict[str, float] = {}
        items: dict[str, Any] = {}
        for key, value in (self.prior(ctx) if self.prior else {}).items():
            totals[key] = totals.get(key, 0.0) + value
            items.setdefault(key, key)
        for s in samples:
            if not s.valid:
                continue
            for rank, item in enumerate(list(s.content)[: self.depth]):
                k = _item_key(item)
                totals[k] = totals.get(k, 0.0) + self.weight(rank)
                items.setdefault(k, item)
        return totals, items

    async def aggregate(self, ctx: Any, samples: list[Candidate]) -> list[Candidate]:
        totals, items = self.scores(ctx, samples)
        order = sorted(totals, key=lambda k: -totals[k])  # stable: first seen wins ties
        ranking = [items[k] for k in order[: self.keep]]
        merged = Candidate(content=ranking, text="\n".join(map(_item_key, ranking)), source="aggregate",
                           origin=ctx.mode, meta={"samples": len(samples), "parsed": sum(s.valid for s in samples),
                                                  "scores": {k: round(totals[k], 3) for k in order[: self.keep]}})
        if not ranking:
            merged.error = "no sample named anything to rank"
        return [merged]


class UnionMerge(StrategyBase):
    name: ClassVar[str] = "union"
    limit: int = 24
    seed: Callable[[Any], list[Any]] | None = Field(default=None, exclude=True)

    async def aggregate(self, ctx: Any, samples: list[Candidate]) -> list[Candidate]:
        seeded = list(self.seed(ctx)) if self.seed else []
        out: list[Any] = []
        seen: set[str] = set()
        for item in seeded + [i for s in samples if s.valid for i in s.content]:
            k = _item_key(item)
            if k not in seen:
                seen.add(k)
                out.append(item)
        merged = Candidate(content=out[: self.limit], text="\n".join(map(_item_key, out[: self.limit])),
                           source="aggregate", origin=ctx.mode,
                           meta={"samples": len(samples), "seeded": len(seeded)})
        if not out:
            merged.error = "no usable item in any sample"
        return [merged]
