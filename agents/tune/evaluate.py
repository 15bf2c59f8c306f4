"""One trial of a plan on the dev instances: solve each with the plan, grade it on its hidden
tests (SWE-bench style), and sum up solved count, partial credit (`credit`), mean unified cost and
mean tokens per task."""
from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from budgets import Budget, CostModel
from budgets.plan import Plan

from agents.tune.search import Trial


def credit(report: Any) -> float:
    """A graded patch's partial credit: 1 when resolved, else the share of FAIL_TO_PASS tests that pass
    times the share of PASS_TO_PASS tests still passing; 0 for no patch or a grading error (a patch
    that does not apply, an instance that cannot be graded)."""
    if report is None or report.status == "error":
        return 0.0
    if report.status == "resolved":
        return 1.0

    def share(outcomes: dict[str, Any]) -> float:
        return sum(1 for o in outcomes.values() if o.passed) / len(outcomes) if outcomes else 1.0

    return round(share(report.fail_to_pass) * share(report.pass_to_pass), 4) if report.fail_to_pass else 0.0


class SweDev:
    """`await SweDev(...)(plan, index)` -> Trial. `models` is shared across trials (a local model is
    loaded once); run directories go under `out/trial-<index>/<instance>`."""

    def __init__(self, instances: list[Any], *, model: Any, budget: Budget, out: Path, mode: str = "scaled",
                 k: int = 4, sandbox: str = "bwrap", cost_model: CostModel | None = None,
                 models: dict[str, Any] | None = None, on_event=None, seed: int = 0):
        self.instances, self.model, self.budget, self.out = instances, model, budget, Path(out)
        self.mode, self.k, self.sandbox, self.cost_model = mode, k, sandbox, cost_model
        self.models = models if models is not None else {}
        self.on_event, self.seed = on_event, seed

    async def __call__(self, plan: Plan, index: int) -> Trial:
        from agents.paths import id_path
        from agents.swe import solve_instance
        from agents.swe.grading import grade

        per_task: dict[str, bool] = {}
        cost = tokens = tests = 0.0
        for inst in self.instances:
            run_dir = id_path(self.out / f"trial-{index}", inst.instance_id)
            res = await solve_instance(inst, model=self.model, budget=self.budget, sandbox=self.sandbox,
                                       run_dir=run_dir, mode=self.mode, k=self.k, cost_model=self.cost_model,
                                       models=self.models, on_event=self.on_event, plan=plan, seed=self.seed)
            report = await asyncio.to_thread(grade, inst, res.model_patch, sandbox=self.sandbox) \
                if res.model_patch else None
            per_task[inst.instance_id] = bool(report and report.status == "resolved")
            tests += credit(report)
            cost += float(res.spend.get("cost_usd", 0.0))
            tokens += float(res.spend.get("input_tokens", 0) + res.spend.get("output_tokens", 0))
        n = max(1, len(self.instances))
        return Trial(index=index, method="", plan=plan, solved=sum(per_task.values()), tasks=len(self.instances),
                     tests=round(tests / n, 4), cost=round(cost / n, 8), tokens=round(tokens / n, 1),
                     per_task=per_task)
