"""`Reservation`: a worst-case hold on budget, extended before the holder spends more, then settled.

Rules (what makes a cap hold):
- A hold is taken *before* the spend, at its worst case, at every level at once (`BudgetTracker.reserve`).
- Whoever discovers it must spend more than it held (a retried request, a server that ignored `n` and
  must be fanned out) calls `extend(extra)` first; a `BudgetExceeded` from it means: do not send.
- `settle(actual)` replaces the hold with the actual spend. Actual above the hold (a backend whose
  worst case was not one) is still charged in full and counted in `overruns`; since it is charged,
  the node is then at or past its cap and every later reservation there fails: a cap is passed by at
  most the overrun of the calls in flight when it happened, never silently and never twice.
- A hold never settled is released by the context manager (the call never reached the provider).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from budgets.cost import Spend

if TYPE_CHECKING:
    from budgets.tracker import BudgetTracker


class Reservation:
    """Use as a context manager or call `settle`/`release` once."""

    def __init__(self, tracker: "BudgetTracker", amount: Spend, rid: str = ""):
        self._tracker = tracker
        self.id = rid
        self.amount = amount
        self.settled: Spend | None = None
        self.overrun: Spend | None = None

    def extend(self, extra: Spend) -> None:
        """Hold `extra` more before spending it; raises `BudgetExceeded` (and holds nothing more) if
        it would pass a cap at any level."""
        if self.settled is not None:
            raise RuntimeError("reservation already settled")
        self._tracker._extend(self, extra)

    def settle(self, actual: Spend) -> Spend:
        """Replace the hold with the actual spend; returns what was charged."""
        if self.settled is not None:
            raise RuntimeError("reservation settled twice")
        over = overrun(actual, self.amount)
        self.overrun = over
        self._tracker._finish(self.amount, actual, overran=over is not None, rid=self.id)
        self.settled = actual
        return actual

    def release(self) -> None:
        """Nothing was spent (the call never reached the provider)."""
        if self.settled is None:
            self.settle(Spend())

    def __enter__(self) -> "Reservation":
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.settled is None:
            self.release()


def overrun(actual: Spend, reserved: Spend) -> Spend | None:
    """The part of `actual` above the reservation in any dimension, or None."""
    diff = actual - reserved
    pos = Spend(
        usd_tokens=max(0.0, diff.usd_tokens - 1e-12), usd_tools=max(0.0, diff.usd_tools - 1e-12),
        input_tokens=max(0, diff.input_tokens), output_tokens=max(0, diff.output_tokens),
        model_calls=max(0, diff.model_calls), tools={t: v for t, v in diff.tools.items() if v > 0},
    )
    return None if pos.is_zero() else pos
