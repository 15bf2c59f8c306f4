"""A batch budget (`bench ... --batch-budget tokens=200k,run_tests=100`): one budget per arm that the
arm's tasks draw from, instead of only a fixed cap per task (issue 15, difficulty-aware spending).

As a task starts, the runner asks `assign` for its caps: `budgets.difficulty.allocate` over what the
arm's batch has left (its total, less what finished tasks spent, less the caps of tasks still
running) and the tasks still to start, this one included. A task's caps are the smallest of that
allocation, twice an equal share of the whole batch (what early tasks leave is not all poured into
the last one) and the arm's own `--budget` caps. When it ends, `settle` charges what it really
spent and the rest of its caps flows back, so a task that stopped early (its first candidates agreed
and verified) leaves more for the tasks after it. No batch is ever passed: the sum of the caps of the
tasks in flight and the spend of the finished ones stays within the total, and a task cannot pass
its caps (budgets.tracker reserves before it spends).

A task fragment may carry a `difficulty` hint in [0, 1] (0 easy ... 1 hard; unknown = 0.5): the
allocation gives a hard task up to twice an equal share and an easy one half, never so much that a
later task gets less than a quarter of an equal share. A task resumed from its run directory keeps
the caps it was given (its run.json), so a resumed run is the same run.
"""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from budgets import Budget
from budgets.difficulty import allocate

from agents.errors import ConfigError

HIGH = 2.0  # the most equal shares one task gets: of what is left, and of the whole batch
FIELDS = ("usd", "tokens", "input_tokens", "output_tokens", "model_calls")


def parse_batch(text: str | None) -> Budget | None:
    """`--batch-budget` checked: at least one cap, and no seconds (tasks of a batch run side by side;
    a task's time is --timeout)."""
    if text is None:
        return None
    from agents.config import load_budget

    batch = load_budget(text, None)
    if batch.wall_seconds is not None:
        raise ConfigError("bad --batch-budget: seconds cannot be shared by tasks that run side by side; "
                          "give each task its time with --timeout")
    if not caps_of(batch):
        raise ConfigError("bad --batch-budget: give at least one cap, e.g. --batch-budget tokens=200k,run_tests=100")
    return batch


VERIFIED = {"<15 min fix": 0.0, "15 min - 1 hour": 1 / 3, "1-4 hours": 2 / 3, ">4 hours": 1.0}


def hint(value: Any) -> float | None:
    """A fragment's `difficulty` hint: a number in [0, 1], or one of SWE-bench Verified's annotation
    labels ("<15 min fix" ... ">4 hours"); anything else is unknown (None)."""
    if isinstance(value, str):
        return VERIFIED.get(value.strip())
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if 0.0 <= value <= 1.0 else None


def caps_of(budget: Budget | dict[str, Any]) -> dict[str, float]:
    """A budget's caps as flat dimensions: {"tokens": 8000, "tool:run_tests": 10, ...} (None = no cap)."""
    b = budget if isinstance(budget, Budget) else Budget.model_validate(budget)
    out = {f: float(getattr(b, f)) for f in FIELDS if getattr(b, f) is not None}
    return out | {f"tool:{name}": float(cap) for name, cap in b.tools.items()}


def spent_of(spend: dict[str, Any]) -> dict[str, float]:
    """A task's spend (a result's `spend`, or a store row) in the same dimensions."""
    tin, tout = int(spend.get("input_tokens") or 0), int(spend.get("output_tokens") or 0)
    out = {"usd": float(spend.get("cost_usd") or 0.0), "tokens": float(tin + tout), "input_tokens": float(tin),
           "output_tokens": float(tout), "model_calls": float(spend.get("model_calls") or 0)}
    return out | {f"tool:{k}": float(v or 0) for k, v in (spend.get("tool_calls") or {}).items()}


def to_budget(caps: dict[str, float], base: dict[str, Any] | None = None) -> dict[str, Any]:
    """Flat caps back to a Budget's fields (a run config's `budget`), over `base` (a budget's other
    fields, e.g. its seconds, are kept)."""
    out: dict[str, Any] = dict(base or {}) | {"tools": dict((base or {}).get("tools") or {})}
    for dim, v in caps.items():
        if dim.startswith("tool:"):
            out["tools"][dim[5:]] = int(v)
        else:
            out[dim] = round(v, 6) if dim == "usd" else int(v)
    return Budget.model_validate(out).model_dump()


class BatchBudget:
    """The batch of every arm of a run (each arm has the whole `total`, so arms compare at equal spend)."""

    def __init__(self, total: Budget, tasks: dict[str, int], done: list[dict[str, Any]] | None = None):
        self.total, self.lock = caps_of(total), threading.Lock()
        self.left = dict(tasks)                      # per arm: tasks not started yet
        self.spent = {arm: dict.fromkeys(self.total, 0.0) for arm in tasks}
        self.running: dict[tuple[str, str], dict[str, float]] = {}
        self.size = dict(tasks)                       # per arm: all its tasks, finished ones included
        for row in done or []:                        # tasks an earlier run of this command finished
            if row["arm_id"] in self.spent:  # a store row (spend at its top level) or a runner row
                self._charge(row["arm_id"], row.get("spend") or row)
                self.size[row["arm_id"]] += 1

    def _charge(self, arm: str, spend: dict[str, Any]) -> None:
        used = spent_of(spend)
        for dim in self.total:
            self.spent[arm][dim] += used.get(dim, 0.0)

    def remaining(self, arm: str) -> dict[str, float]:
        held = [c for (a, _), c in self.running.items() if a == arm]
        return {dim: max(0.0, cap - self.spent[arm][dim] - sum(c.get(dim, 0.0) for c in held))
                for dim, cap in self.total.items()}

    def assign(self, spec: dict[str, Any], difficulty: float | None = None) -> dict[str, Any]:
        """The spec with its task's caps in `cfg.budget` (and `cfg.batch`: the allocation's record)."""
        arm, cfg = spec["arm_id"], dict(spec["cfg"])
        base = Budget.model_validate(cfg.get("budget") or {}).model_dump()
        own = caps_of(base)
        with self.lock:
            kept = _kept_caps(Path(spec["run_dir"]))
            if kept is not None:   # a resumed task keeps what it was given
                caps = kept
            else:
                alloc = allocate(self.remaining(arm), max(1, self.left.get(arm, 1)), difficulty, high=HIGH)
                most = {dim: HIGH * cap / max(1, self.size.get(arm, 1)) for dim, cap in self.total.items()}
                caps = own | {dim: min(v, most[dim], own.get(dim, v)) for dim, v in alloc.items()}
            self.left[arm] = max(0, self.left.get(arm, 1) - 1)
            self.running[(arm, spec["task_id"])] = {d: caps.get(d, 0.0) for d in self.total}
        cfg["budget"] = to_budget(caps, base)
        cfg["batch"] = {"total": to_budget(self.total), "difficulty": difficulty, "resumed": kept is not None}
        return spec | {"cfg": cfg}

    def settle(self, row: dict[str, Any]) -> None:
        """A task ended: charge what it spent; the rest of its caps goes back to its arm's batch."""
        with self.lock:
            self.running.pop((row["arm_id"], row["task_id"]), None)
            if row["arm_id"] in self.spent:
                self._charge(row["arm_id"], row.get("spend") or {})

    def report(self, arm: str) -> dict[str, Any]:
        """{"total": {"tokens": 200000, "run_tests": 100}, "spent": {...}}: the caps by name (a tool's
        by its own name), and what the arm's finished tasks spent of each."""
        with self.lock:
            return {"total": _named(self.total), "spent": _named(self.spent[arm])}


def _named(caps: dict[str, float]) -> dict[str, float]:
    return {(d[5:] if d.startswith("tool:") else d): (round(v, 6) if d == "usd" else int(v)) for d, v in caps.items()}


def _kept_caps(run_dir: Path) -> dict[str, float] | None:
    """The caps of a run the cell will resume (it has a checkpoint: agents.bench.cell), from its
    run.json (written by this runner, outside any sandbox); None: the task starts afresh."""
    from agents.trajectory import RunFiles

    if not (run_dir / "checkpoints.sqlite").exists():
        return None
    try:
        return caps_of(RunFiles(run_dir).config().get("budget") or {})
    except (ConfigError, ValueError):
        return None
