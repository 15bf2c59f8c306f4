"""`BudgetTracker`: hierarchical (run → stage → step), reserve-before-spend, settle-after.

Every charge is first *reserved* at its worst case at this tracker and at every ancestor, atomically
under one lock shared by the whole tree; the reservation fails with `BudgetExceeded` if it would pass
any cap at any level. A holder that must spend more than it reserved (a retry, a fan-out) extends
the reservation first (`Reservation.extend`). After the call, `settle(actual)` replaces the
reservation with the actual spend; a reservation never settled is released. See `budgets.reservation`
for the exact rules and the one bounded way a cap can be passed (a backend reporting more than its
own worst case: charged, counted in `overruns`, and nothing more is reserved there).

Levels: any depth. The engine makes one child per stage (`child(stage, share=..., of_remaining=True)`)
and may make one per step under it (`stage.child(f"step{i}", budget)`); a child without `budget` or
`share` is capped only by its ancestors, i.e. it gets the remainder. `child(..., fresh=True)` replaces
a cached slice with a new one carved from what remains now (a pivot back to an earlier stage).

Seconds: `wall_seconds` caps are checked at every reservation, and `seconds_left()` is the time left
at the tightest level: callers derive each call's timeout from it (see `agents.calls`).

Durability: `attach_journal(path)` writes every reservation, extension and settlement to an fsync'd
journal before the call goes out; `ledger()` carries the journal's offset; `restore(ledger,
journal=path)` replays what happened after it (see `budgets.journal`).

The lock is a threading lock held only for arithmetic and the journal write (never across an await),
so one tracker is safe from asyncio tasks and threads alike.
"""
from __future__ import annotations

import itertools
import secrets
import threading
import time
from typing import TYPE_CHECKING, Any, Callable

from budgets.budget import Budget
from budgets.cost import CostModel, Spend
from budgets.errors import BudgetExceeded
from budgets.journal import Journal, Replay
from budgets.persist import Persistence
from budgets.reservation import Reservation, overrun

if TYPE_CHECKING:
    from budgets.snapshot import Snapshot

__all__ = ["BudgetTracker", "Reservation", "overrun"]


class _Shared:
    """What every tracker of one tree shares: the lock, the journal, reservation ids."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.journal: Journal | None = None
        self.prefix = secrets.token_hex(4)
        self.ids = itertools.count(1)


class BudgetTracker(Persistence):
    def __init__(self, budget: Budget | None = None, cost_model: CostModel | None = None, *,
                 name: str = "run", parent: "BudgetTracker | None" = None,
                 clock: Callable[[], float] = time.monotonic):
        self.budget = budget or Budget()
        self.cost_model = cost_model or (parent.cost_model if parent else CostModel())
        self.name = name
        self.parent = parent
        self.path: str = f"{parent.path}/{name}" if parent else name
        self._shared: _Shared = parent._shared if parent else _Shared()
        self._lock: threading.RLock = self._shared.lock
        self._clock = clock
        self._started = clock()
        self._seconds_before = 0.0  # wall seconds spent before a resume
        self.spent = Spend()
        self.reserved = Spend()
        self.children: dict[str, BudgetTracker] = {}
        self.overruns = 0
        self.replayed: Replay | None = None  # what the last restore charged from the journal

    # ---- hierarchy ----------------------------------------------------------------------------
    def child(self, name: str, budget: Budget | None = None, *, share: float | None = None,
              of_remaining: bool = False, fresh: bool = False,
              tool_share: dict[str, float] | None = None, held: Budget | None = None) -> "BudgetTracker":
        """The slice named `name` (created once; later calls return the same tracker, unless `fresh`).

        `share` carves that fraction of this tracker's caps (`of_remaining`: of what is left of them
        now, so what earlier slices did not use flows to later ones), a tool in `tool_share` its own
        fraction of that tool's calls (`held`: what later slices need is first held back from what is
        left, and the share carved from the rest); `budget` gives explicit caps;
        neither: no caps of its own (it gets the remainder). Either way every ancestor's caps still
        apply: a child never spends what its parent lacks. `fresh=True` replaces a cached slice with
        a new one computed now (its old spend stays counted in this tracker and its ancestors).
        """
        with self._lock:
            if name in self.children and not fresh:
                return self.children[name]
            if budget is None and share is not None:
                left = self.remaining()
                base = Budget(**{k: v for k, v in left.items() if k != "tools"},
                              tools=left.get("tools", {})) if of_remaining else self.budget
                base = base.less(held) if held is not None else base
                budget = base.scaled(share, tool_share)
            elif budget is None:
                budget = Budget()
            child = BudgetTracker(budget, name=name, parent=self, clock=self._clock)
            self.children[name] = child
            self._journal_write({"op": "child", "path": child.path, "budget": budget.model_dump(),
                                 "fresh": fresh})
            return child

    def _chain(self) -> list["BudgetTracker"]:
        node, chain = self, []
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain

    def _root(self) -> "BudgetTracker":
        return self._chain()[-1]

    # ---- reserve / settle ---------------------------------------------------------------------
    def reserve(self, amount: Spend) -> Reservation:
        with self._lock:
            self._check(amount)
            for node in self._chain():
                node.reserved = node.reserved + amount
            rid = f"{self._shared.prefix}.{next(self._shared.ids)}"
            self._journal_write({"op": "reserve", "id": rid, "path": self.path, "amount": amount.model_dump()})
            return Reservation(self, amount, rid)

    def _check(self, amount: Spend) -> None:
        for node in self._chain():
            problem = node._violation(amount)
            if problem:
                raise BudgetExceeded(problem[1], dimension=problem[0], scope=node.path)

    def _extend(self, reservation: Reservation, extra: Spend) -> None:
        with self._lock:
            self._check(extra)
            for node in self._chain():
                node.reserved = node.reserved + extra
            reservation.amount = reservation.amount + extra
            self._journal_write({"op": "extend", "id": reservation.id, "amount": extra.model_dump()})

    def can_afford(self, amount: Spend) -> bool:
        with self._lock:
            return all(node._violation(amount) is None for node in self._chain())

    def reserve_tool(self, tool: str, calls: int = 1) -> Reservation:
        return self.reserve(self.cost_model.tool_call(tool, calls))

    def charge(self, amount: Spend) -> Spend:
        """Reserve and settle at once (spend known up front)."""
        return self.reserve(amount).settle(amount)

    def _finish(self, reserved: Spend, charged: Spend, overran: bool = False, rid: str = "") -> None:
        with self._lock:
            for node in self._chain():
                node.reserved = _snap(node.reserved - reserved)
                node.spent = node.spent + charged
                node.overruns += overran
            if rid:
                self._journal_write({"op": "settle", "id": rid, "actual": charged.model_dump()})

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

    def seconds_left(self) -> float | None:
        """Wall seconds left at the tightest level with a `wall_seconds` cap (None: uncapped).
        Every call's timeout must be at most this."""
        with self._lock:
            left = [n.budget.wall_seconds - n.elapsed() for n in self._chain() if n.budget.wall_seconds is not None]
            return max(0.0, min(left)) if left else None

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

    def fraction_left(self, tools: bool = True) -> float:
        """The smallest fraction left over every capped dimension at every level (1.0 if uncapped);
        `tools=False` leaves the per-tool caps out."""
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
                for t, c in (b.tools.items() if tools else ()):
                    fracs.append(max(0.0, 1 - used.tools.get(t, 0) / c) if c else 0.0)
        return min(fracs)

    def exhausted(self) -> bool:
        """The run itself is spent (a tool at its cap only means that tool is)."""
        return self.fraction_left(tools=False) <= 0.0

    def snapshot(self) -> Snapshot:
        from budgets.snapshot import Snapshot

        return Snapshot.of(self)


def _snap(s: Spend) -> Spend:
    """Float residue of adding and removing the same dollars is no reservation."""
    if abs(s.usd_tokens) < 1e-12 or abs(s.usd_tools) < 1e-12:
        s = s.model_copy(update={"usd_tokens": 0.0 if abs(s.usd_tokens) < 1e-12 else s.usd_tokens,
                                 "usd_tools": 0.0 if abs(s.usd_tools) < 1e-12 else s.usd_tools})
    return s
