"""A seed sweep's cells: the arms that differ only in their seed (`--seed 0,1,2`), summarized together.

One seed of a small suite is one draw: on the 12-instance SWE test split one best-of-N cell resolved 4
at 8k and 0 at 16k on the same code. A cell over several seeds reports every seed's count, their mean
and range, and the mean cost, so two cells are compared by more than one draw each.

    over_seeds(arms, summaries, "resolved")
    -> {"best_of_n": {"seeds": [0, 1, 2], "resolved": [4, 2, 3], "mean": 3.0, "min": 2, "max": 4,
                      "total": 12, "cost_usd_mean": 0.0126, "arms": ["best_of_n-seed0", ...]}}
"""
from __future__ import annotations

from typing import Any

from agents.bench.arms import SEED_PART, Arm


def cell_of(arm: Arm) -> str:
    """The arm's id without its seed part (`best_of_n-seed2` -> `best_of_n`)."""
    return arm.arm_id.removesuffix(f"-{SEED_PART}{arm.seed}")


def over_seeds(arms: list[Arm], summaries: dict[str, dict[str, Any]], hits: str) -> dict[str, dict[str, Any]]:
    """Per cell of a sweep with more than one seed: each seed's `hits` (e.g. "resolved", "passed"), their
    mean, min and max, the tasks per seed, and the mean unified cost; {} when no arm has a sibling seed."""
    if len({a.seed for a in arms}) < 2:
        return {}
    cells: dict[str, list[Arm]] = {}
    for a in arms:
        cells.setdefault(cell_of(a), []).append(a)
    out = {}
    for cell, members in cells.items():
        done = [a for a in members if a.arm_id in summaries]
        rows = [summaries[a.arm_id] for a in done]
        if not rows:
            continue
        counts = [int(r.get(hits) or 0) for r in rows]
        costs = [float((r.get("spend") or {}).get("cost_usd") or r.get("cost_usd") or 0.0) for r in rows]
        out[cell] = {"seeds": [a.seed for a in done], hits: counts,
                     "mean": round(sum(counts) / len(counts), 3), "min": min(counts), "max": max(counts),
                     "total": rows[0].get("total", rows[0].get("tasks")),
                     "cost_usd_mean": round(sum(costs) / len(costs), 6),
                     "arms": [a.arm_id for a in done]}
    return out


def describe(cell: str, row: dict[str, Any], hits: str) -> str:
    """One line: `best_of_n: resolved 4, 2, 3 of 12 over seeds 0, 1, 2 (mean 3.00, 2-4), mean cost $0.012600`."""
    counts = ", ".join(str(n) for n in row[hits])
    seeds = ", ".join(str(s) for s in row["seeds"])
    return (f"{cell}: {hits} {counts} of {row['total']} over seeds {seeds} (mean {row['mean']:.2f}, "
            f"{row['min']}-{row['max']}), mean cost ${row['cost_usd_mean']:.6f}")
