"""The inline executor: cells run one after another in the calling process.

For callers that hold model objects the runner cannot send to a worker (a scripted model in a test,
a model already loaded in this process): `run_bench(..., models={...})` of `bench web` / `bench gui`.
It writes the same rows and store as the other executors. A cell cannot be stopped from outside in
this process, so `timeout` is not enforced here (use the local executor for that).
"""
from __future__ import annotations

import time
from typing import Any, Callable, Iterable


class InlineExecutor:
    name = "inline"

    def __init__(self, models: dict[str, Any] | None = None, after_cell: Callable[[], None] | None = None):
        self.models = dict(models or {})
        self.after_cell = after_cell or (lambda: None)

    def run(self, specs: Iterable[dict[str, Any]], on_row: Callable[[dict], None],
            on_spend: Callable[[tuple, dict], None]) -> None:
        from agents.bench import cell

        for name, model in self.models.items():
            cell._MODELS[name] = model
        for spec in specs:
            key, last = (spec["arm_id"], spec["task_id"]), [0.0]

            def spend(spent: dict, key=key) -> None:
                now = time.monotonic()
                if now - last[0] >= 0.5:
                    last[0] = now
                    on_spend(key, spent)

            try:
                row = cell.run_cell(spec, spend)
            finally:
                self.after_cell()
            on_row(row)
