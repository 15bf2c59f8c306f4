"""What the agent and the controller see of a budget: numbers plus one line of text (BATS)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

if TYPE_CHECKING:
    from budgets.tracker import BudgetTracker


class Snapshot(BaseModel):
    scope: str
    spent: dict[str, Any]
    remaining: dict[str, Any]
    limits: dict[str, Any]
    fraction_left: float
    elapsed_s: float

    @classmethod
    def of(cls, tracker: "BudgetTracker") -> "Snapshot":
        root = tracker
        while root.parent is not None:
            root = root.parent
        limits: dict[str, Any] = {}
        for dim, (cap, left) in tracker.binding().items():  # the caps that bind, wherever they are set
            if isinstance(left, dict):
                limits.setdefault("tools", {})[dim] = cap
            else:
                limits[dim] = cap
        return cls(scope=tracker.path, spent=tracker.spent.summary(), remaining=tracker.remaining(),
                   limits=limits, fraction_left=round(tracker.fraction_left(), 4),
                   elapsed_s=round(tracker.elapsed(), 3))

    def text(self) -> str:
        """E.g. `search 3/10 left, $0.12 of $0.50 spent, 41% of tokens left, 2 model calls left`."""
        parts: list[str] = []
        for tool, left in sorted(self.remaining.get("tools", {}).items()):
            cap = self.limits.get("tools", {}).get(tool)
            parts.append(f"{tool} {left}/{cap} left" if cap is not None else f"{tool} {left} left")
        spent_usd = self.spent["cost_usd"]
        if "usd" in self.remaining:
            total = self.limits["usd"]
            parts.append(f"${total - self.remaining['usd']:.4g} of ${total:.4g} spent")
        else:
            parts.append(f"${spent_usd:.4g} spent")
        for dim, label in (("tokens", "tokens"), ("input_tokens", "input tokens"), ("output_tokens", "output tokens")):
            if dim in self.remaining:
                total = self.limits.get(dim) or self.remaining[dim]
                pct = 100 * self.remaining[dim] / total if total else 0
                parts.append(f"{pct:.0f}% of {label} left ({self.remaining[dim]})")
        if "model_calls" in self.remaining:
            parts.append(f"{self.remaining['model_calls']} model calls left")
        if "wall_seconds" in self.remaining:
            parts.append(f"{self.remaining['wall_seconds']:.0f}s left")
        return ", ".join(parts)
