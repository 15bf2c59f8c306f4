"""What every kind's per-arm summary shares, built from its rows (one per finished task, each with a
`spend` dict and `wall_s`): how many tasks, how many succeeded and the rate, and the spend summed.
Each kind keeps its own keys around these (`bench gui`: successes / success_rate / per_episode;
`bench web`: correct / accuracy / per_question; `bench swe`: resolved / resolve_rate / ids).

    total, hits, rate = outcome(rows, "correct")            # rate rounded to 4 places (digits=None: not)
    spend = spend_sums(rows, ("cost_usd", "model_calls")) | {"wall_s": wall_seconds(rows)}
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def outcome(rows: list[Mapping[str, Any]], flag: str = "success", digits: int | None = 4) -> tuple[int, int, float]:
    """(tasks, tasks whose `flag` is true, their share: rounded to `digits` places, 0.0 without tasks)."""
    total, hits = len(rows), sum(1 for r in rows if r.get(flag))
    rate = hits / total if total else 0.0
    return total, hits, (round(rate, digits) if digits is not None and total else rate)


def spend_sums(rows: Iterable[Mapping[str, Any]], keys: Iterable[str]) -> dict[str, Any]:
    """Each of `keys` summed over the rows' `spend` (a missing or null value counts 0): a float total is
    rounded to 6 places (dollars), an integer one (tokens, calls) stays an integer."""
    keys = tuple(keys)
    out: dict[str, Any] = dict.fromkeys(keys, 0)
    for r in rows:
        spend = r.get("spend") or {}
        for k in keys:
            out[k] += spend.get(k) or 0
    return {k: round(v, 6) if isinstance(v, float) else v for k, v in out.items()}


def tool_calls(rows: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """The rows' `spend["tool_calls"]` merged: calls per tool, in the order tools first appear."""
    out: dict[str, int] = {}
    for r in rows:
        for tool, n in ((r.get("spend") or {}).get("tool_calls") or {}).items():
            out[tool] = out.get(tool, 0) + n
    return out


def wall_seconds(rows: Iterable[Mapping[str, Any]]) -> float:
    """The rows' `wall_s` summed, to 1 place."""
    return round(sum((float(r.get("wall_s") or 0) for r in rows), 0.0), 1)
