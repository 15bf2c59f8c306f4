"""`Runtime`: the live objects a run needs that are not state (models, tracker, sandbox, events).

Rebuilt on resume from the run's config; the tracker's spend is restored from the checkpoint.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from budgets import Budget, BudgetTracker, CostModel

from agents.models.base import Model

Event = dict[str, Any]


class Runtime:
    def __init__(self, *, model: str | Model = "local/qwen2.5-coder-0.5b", budget: Budget | None = None,
                 cost_model: CostModel | None = None, run_dir: str | Path | None = None,
                 sandbox: str = "bwrap", models: dict[str, Model] | None = None,
                 model_options: dict[str, Any] | None = None, on_event: Callable[[Event], None] | None = None,
                 seed: int | None = 0):
        self.default_model = model.name if not isinstance(model, str) else model
        self._models: dict[str, Model] = dict(models or {})
        if not isinstance(model, str):
            self._models[model.name] = model
        self.model_options = model_options or {}
        self.tracker = BudgetTracker(budget or Budget(), cost_model or CostModel())
        self.run_dir = Path(run_dir) if run_dir else None
        self.sandbox_backend = sandbox
        self.on_event = on_event or (lambda e: None)
        self.seed = seed
        self.model_calls_ok = 0            # model calls that returned (this process)
        self.model_errors: list[str] = []  # calls that failed for good, first ones kept

    def model_succeeded(self) -> None:
        self.model_calls_ok += 1

    def model_failed(self, error: str) -> None:
        if len(self.model_errors) < 20:
            self.model_errors.append(error[:500])

    def model(self, name: str | None = None) -> Model:
        name = name or self.default_model
        if name not in self._models:
            from agents.models import get_model

            self._models[name] = get_model(name, **self.model_options)
        return self._models[name]

    def emit(self, kind: str, **data: Any) -> None:
        self.on_event({"event": kind, **data})
