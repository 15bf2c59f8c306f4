"""Difficulty-aware spending: a cheap difficulty estimate per task, and the batch-level hook that
turns a batch's remaining budget and a task's estimate into that task's allocation.

Estimate (compute-optimal scaling, self-calibration): before spending much, look at the first
samples. When they agree (the same normalized answer / edit) and the verifier passes it, the task
is easy: more samples will not change the answer. When they disagree or nothing verifies, it is
hard: that is where extra samples and refinement pay. `estimate()` folds the signals into one
number in [0, 1] (0 easy, 1 hard).

Batch budget: a runner that owns one budget for a batch of tasks asks `allocate()` for each task
as it starts. Easy tasks (by their estimate, or by a prior pass) get less than an equal share,
hard ones more, and every task still to come keeps a floor, so an early hard task cannot starve
the rest. What a task does not use flows back to the batch (the runner passes what remains).
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Mapping

from pydantic import BaseModel, Field


class Difficulty(BaseModel):
    """A task's difficulty estimate, with the signals it came from."""

    level: float = Field(ge=0.0, le=1.0)     # 0 easy ... 1 hard
    agreement: float | None = None            # share of the first samples that agree with the modal answer
    verified: float | None = None             # verifier's score of the modal answer (0..1)
    samples: int = 0
    reason: str = ""

    @property
    def easy(self) -> bool:
        return self.level < 0.25


def agreement(keys: Iterable[Hashable | None]) -> tuple[float, Hashable | None, int]:
    """(share of samples with the modal key, that key, how many samples); invalid samples (None)
    count in the denominator and never agree."""
    keys = list(keys)
    if not keys:
        return 0.0, None, 0
    counts = Counter(k for k in keys if k is not None)
    if not counts:
        return 0.0, None, len(keys)
    key, n = counts.most_common(1)[0]
    return n / len(keys), key, len(keys)


def estimate(keys: Iterable[Hashable | None], verified: float | None = None, *,
             confidence: float | None = None) -> Difficulty:
    """Difficulty from the first samples' normalized answers `keys`, the verifier's score of the
    modal answer (`verified`, 0..1; None: not verified) and optionally a judge's confidence (0..1).
    One sample alone says nothing about agreement: it counts as half agreement."""
    share, _, n = agreement(keys)
    agree = share if n >= 2 else 0.5 * share
    signals = [agree]
    if verified is not None:
        signals.append(max(0.0, min(1.0, verified)))
    if confidence is not None:
        signals.append(max(0.0, min(1.0, confidence)))
    ease = sum(signals) / len(signals)
    if n >= 2 and share == 1.0 and verified is not None and verified >= 1.0:
        ease = 1.0   # all agree and verify: nothing left to buy
    why = f"{n} samples, {share:.0%} agree" + (f", verifier {verified:.2f}" if verified is not None else "")
    return Difficulty(level=round(1.0 - ease, 3), agreement=round(share, 3), verified=verified, samples=n, reason=why)


def stop_early(d: Difficulty) -> bool:
    """The first candidates agree and verify: accept instead of sampling more."""
    return d.samples >= 2 and (d.agreement or 0.0) >= 1.0 and (d.verified or 0.0) >= 1.0


def weight(level: float, *, low: float = 0.5, high: float = 2.0) -> float:
    """How many equal shares a task of difficulty `level` deserves: `low` for the easiest, 1 at
    0.5, `high` for the hardest (geometric in between)."""
    level = max(0.0, min(1.0, level))
    return low ** (1 - 2 * level) if level < 0.5 else high ** (2 * level - 1)


def allocate(remaining: Mapping[str, float], tasks_left: int, difficulty: float | Difficulty | None = None, *,
             floor: float = 0.25, low: float = 0.5, high: float = 2.0) -> dict[str, float]:
    """The batch-level hook: what the next task may spend, per dimension, given what the batch has
    `remaining` (e.g. {"tokens": 120000, "run_tests": 40}), how many tasks are still to run this one
    included, and the task's difficulty (a level in [0, 1], a `Difficulty`, or None: unknown = 0.5).

    An equal share (`remaining / tasks_left`) scaled by `weight(level)`, but never more than leaves
    every later task `floor` x an equal share. Integer dimensions (tool calls, tokens) are floored."""
    if tasks_left < 1:
        raise ValueError("tasks_left must be at least 1 (the task being allocated)")
    level = 0.5 if difficulty is None else (difficulty.level if isinstance(difficulty, Difficulty) else difficulty)
    w = weight(level, low=low, high=high)
    out: dict[str, float] = {}
    for dim, left in remaining.items():
        left = max(0.0, float(left))
        equal = left / tasks_left
        reserve = floor * equal * (tasks_left - 1)
        share = min(equal * w, left - reserve) if tasks_left > 1 else left
        share = max(0.0, share)
        out[dim] = float(int(share)) if dim != "usd" and dim != "seconds" else round(share, 6)
    return out
