"""Budgets: caps, prices, the unified cost and the hierarchical tracker. A leaf package."""
from budgets.budget import Budget
from budgets.cost import DEFAULT_TOOL_PRICES, CostModel, Spend
from budgets.errors import BudgetError, BudgetExceeded
from budgets.journal import JOURNAL_MARK, Replay
from budgets.snapshot import Snapshot
from budgets.tracker import BudgetTracker, Reservation

__all__ = ["Budget", "BudgetError", "BudgetExceeded", "BudgetTracker", "CostModel", "DEFAULT_TOOL_PRICES",
           "JOURNAL_MARK", "Replay", "Reservation", "Snapshot", "Spend"]
