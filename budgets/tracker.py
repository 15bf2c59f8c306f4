"""`BudgetTracker`: hierarchical (run → stage → step), reserve-before-spend, settle-after.

Every charge is first *reserved* at its worst case at this tracker and at every ancestor, atomically
under one lock shared by the whole tree; the reservation fails with `BudgetExceeded` if it would pass
any cap at any level. After the call, `settle(actual)` replaces the reservation with the actual spend
(accounting stays exact: if a backend under-estimated and the actual exceeds the hold, the actual
is charged and the overrun is counted in `overruns`, never hidden). A reservation that
is never settled (the call failed, timed out, the task was cancelled) is released by the context
manager. So a cap can never be passed, whatever the calls do, concurrently or not.

The lock is a threading lock held only for arithmetic (never across an await), so one tracker is
safe from asyncio tasks and threads alike.
"""
from __future__ import annotations

import threading
import time
from typing import Any, Callable

from budgets.budget import Budget
from budgets.cost import CostModel, Spend
from budgets.errors import BudgetExceeded


class Reservation:
    """A worst-case hold on budget. Use as a context manager or call `settle`/`release` once."""

    def __init__(self, tracker: "BudgetTracker", amount: Spend):
        self._tracker = tracker
        self.amount = amount
        self.settled: Spend | None = None
        self.overrun: Spend | None = None

    def settle(self, actual: Spend) -> Spend:
        """Replace the hold with the actual spend; returns what was charged."""
        if self.settled is not None:
            raise RuntimeError("reservation settled twice")
        over = _overrun(actual, self.amount)
        self.overrun = over
        self._tracker._finish(self.amount, actual, overran=over is not None)
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


class BudgetTracker:
    def __init__(self, budget: Budget | None = None, cost_model: CostModel | None = None, *,
                 name: str = "run", parent: "BudgetTracker | None" = None,
                 clock: Callable[[], float] = time.monotonic):
        self.budget = budget or Budget()
        self.cost_model = cost_model or (parent.cost_model if parent else CostModel())
        self.name = name
        self.parent = parent
        self.path: str = f"{parent.path}/{name}" if parent else name
        self._lock: threading.RLock = parent._lock if parent else threading.RLock()
        self._clock = clock
        self._started = clock()
        self._seconds_before = 0.0  # wall seconds spent before a resume
        self.spent = Spend()
        self.reserved = Spend()
        self.children: dict[str, BudgetTracker] = {}
        self.overruns = 0

    # ---- hierarchy ----------------------------------------------------------------------------
    def child(self, name: str, budget: Budget | None = None, *, share: float | None = None,
              of_remaining: bool = False) -> "BudgetTracker":
        """The slice named `name` (created once; later calls return the same tracker).

        `share` carves that fraction of this tracker's caps (`of_remaining`: of what is left of them
        now, so what earlier slices did not use flows to later ones); `budget` gives explicit caps.
        Either way every ancestor's caps still apply: a child never spends what its parent lacks.
        """
        with self._lock:
            if name in self.children:
                return self.children[name]
            if budget is None and share is not None:
                base = Budget(**{k: v for k, v in self.remaining().items() if k != "tools"},
                              tools=self.remaining().get("tools", {})) if of_remaining else self.budget
                budget = base.scaled(share)
            elif budget is None:
                budget = Budget()
            child = BudgetTracker(budget, name=name, parent=self, clock=self._clock)
            self.children[name] = child
            return child

    def _chain(self) -> list["BudgetTracker"]:
        node, chain = self, []
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain

    # ---- reserve / settle ---------------------------------------------------------------------
    def reserve(self, amount: Spend) -> Reservation:
        with self._lock:
            for node in self._chain():
                problem = node._violation(amount)
                if problem:
                    raise BudgetExceeded(problem[1], dimension=problem[0], scope=node.path)
            for node in self._chain():
                node.reserved = node.reserved + amount
            return Reservation(self, amount)

    def can_afford(self, amount: Spend) -> bool:
        with self._lock:
            return all(node._violation(amount) is None for node in self._chain())

    def reserve_tool(self, tool: str, calls: int = 1) -> Reservation:
        return self.reserve(self.cost_model.tool_call(tool, calls))

    def charge(self, amount: Spend) -> Spend:
        """Reserve and settle at once (spend known up front)."""
        return self.reserve(amount).settle(amount)

    def _finish(self, reserved: Spend, charged: Spend, overran: bool = False) -> None:
        with self._lock:
            for node in self._chain():
                node.reserved = node.reserved - reserved
                node.spent = node.spent + charged
                node.overruns += overran

    def _violation(self, amount: Spend) -> tuple[str, str] | None:
        b, total = self.budget, self.spent + self.reserved + amount
        checks = (("usd", b.usd, total.usd), ("tokens", b.tokens, total.tokens),
                  ("input_tokens", b.input_tokens, total.input_tokens),
                  ("output_tokens", b.output_tokens, total.output_tokens),
                  ("model_calls", b.model_calls, total.model_calls))
        for dim, cap, value in checks:
            if cap is not None and value > cap + 1e-12:
                return dim, f"{self.path}: {dim} cap {cap} would be passed ({value:g} with this call)"
        for tool, cap in b.tools.items():
            if total.tools.get(tool, 0) > cap:
                return tool, f"{self.path}: {tool} calls cap {cap} reached"
        if b.wall_seconds is not None and self.elapsed() >= b.wall_seconds:
            return "wall_seconds", f"{self.path}: wall time cap {b.wall_seconds:g}s reached"
        return None

    # ---- reading ------------------------------------------------------------------------------
    def elapsed(self) -> float:
        return self._seconds_before + (self._clock() - self._started)

    def remaining(self) -> dict[str, Any]:
        """Remaining amount of every capped dimension, the tightest over this node and its ancestors."""
        out: dict[str, Any] = {}
        for dim, (_, left) in self.binding().items():
            if isinstance(left, dict):
                out.setdefault("tools", {})[dim] = left["left"]
            else:
                out[dim] = left
        return out

    def binding(self) -> dict[str, tuple[Any, Any]]:
        """Per capped dimension (tools by name): (cap, left) at the level where the least is left."""
        with self._lock:
            out: dict[str, tuple[Any, Any]] = {}
            for node in self._chain():
                own = node._own_remaining()
                for dim, left in own.items():
                    if dim == "tools":
                        for t, v in left.items():
                            if t not in out or v < out[t][1]["left"]:
                                out[t] = (node.budget.tools[t], {"left": v})
                    elif dim not in out or left < out[dim][1]:
                        out[dim] = (getattr(node.budget, dim), left)
            return out

    def _own_remaining(self) -> dict[str, Any]:
        b, used = self.budget, self.spent + self.reserved
        out: dict[str, Any] = {}
        for dim, cap, value in (("usd", b.usd, used.usd), ("tokens", b.tokens, used.tokens),
                                ("input_tokens", b.input_tokens, used.input_tokens),
                                ("output_tokens", b.output_tokens, used.output_tokens),
                                ("model_calls", b.model_calls, used.model_calls)):
            if cap is not None:
                out[dim] = max(0, cap - value)
        if b.wall_seconds is not None:
            out["wall_seconds"] = max(0.0, b.wall_seconds - self.elapsed())
        if b.tools:
            out["tools"] = {t: max(0, c - used.tools.get(t, 0)) for t, c in b.tools.items()}
        return out

    def fraction_left(self) -> float:
        """The smallest fraction left over every capped dimension at every level (1.0 if uncapped)."""
        fracs = [1.0]
        with self._lock:
            for node in self._chain():
                b, used = node.budget, node.spent + node.reserved
                for cap, value in ((b.usd, used.usd), (b.tokens, used.tokens),
                                   (b.input_tokens, used.input_tokens), (b.output_tokens, used.output_tokens),
                                   (b.model_calls, used.model_calls)):
                    if cap is not None:
                        fracs.append(max(0.0, 1 - value / cap) if cap else 0.0)
                if b.wall_seconds is not None:
                    fracs.append(max(0.0, 1 - node.elapsed() / b.wall_seconds) if b.wall_seconds else 0.0)
                for t, c in b.tools.items():
                    fracs.append(max(0.0, 1 - used.tools.get(t, 0) / c) if c else 0.0)
        return min(fracs)

    def exhausted(self) -> bool:
        return self.fraction_left() <= 0.0

    def snapshot(self) -> "Snapshot":
        from budgets.snapshot import Snapshot

        return Snapshot.of(self)

    # ---- persistence (checkpoints) -------------------------------------------------------------
    def ledger(self) -> dict[str, Any]:
        """Settled spend and elapsed seconds of this tree, JSON-able, keyed by path."""
        with self._lock:
            out = {self.path: {"spent": self.spent.model_dump(), "seconds": self.elapsed(),
                               "budget": self.budget.model_dump()}}
            for c in self.children.values():
                out.update(c.ledger())
            return out

    def restore(self, ledger: dict[str, Any]) -> None:
        """Load settled spend from a checkpoint's ledger (reservations in flight are not carried)."""
        with self._lock:
            entry = ledger.get(self.path)
            if entry:
                self.spent = Spend(**entry["spent"])
                self._seconds_before = float(entry.get("seconds", 0.0))
                self._started = self._clock()
            prefix = self.path + "/"
            for path, entry in ledger.items():
                rest = path[len(prefix):] if path.startswith(prefix) else None
                if rest and "/" not in rest:
                    self.child(rest, Budget(**entry["budget"])).restore(ledger)


def _overrun(actual: Spend, reserved: Spend) -> Spend | None:
    """The part of `actual` above the reservation in any dimension, or None."""
    diff = actual - reserved
    pos = Spend(
        usd_tokens=max(0.0, diff.usd_tokens - 1e-12), usd_tools=max(0.0, diff.usd_tools - 1e-12),
        input_tokens=max(0, diff.input_tokens), output_tokens=max(0, diff.output_tokens),
        model_calls=max(0, diff.model_calls), tools={t: v for t, v in diff.tools.items() if v > 0},
    )
    return None if pos.is_zero() else pos
