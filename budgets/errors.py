"""Budget errors. `budgets` is a leaf package: it imports nothing of ours."""
from __future__ import annotations


class BudgetError(Exception):
    """Malformed budget specification (bad string, unknown key, negative limit)."""

    exit_code = 2


class BudgetExceeded(Exception):
    """A reservation would pass a cap. Raised *before* the spend happens, so caps are never passed."""

    exit_code = 4

    def __init__(self, message: str, *, dimension: str = "", scope: str = ""):
        super().__init__(message)
        self.dimension = dimension
        self.scope = scope
