"""Solve one SWE instance: materialize the repository, run the SWE pipeline, write the patch,
the SWE-bench prediction line, the trajectory and the spend into the run directory."""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Callable

from pydantic import BaseModel

from budgets import Budget, CostModel

from agents.graph import run
from agents.models.base import Model
from agents.runtime import Runtime
from agents.state import Task
from agents.swe.instances import Instance, materialize_repo
from agents.swe.pipeline import final_patch, swe_pipeline


class SolveResult(BaseModel):
    instance_id: str
    model_patch: str
    status: str
    spend: dict[str, Any]
    wall_s: float
    steps: int
    run_dir: str

    def prediction(self, model: str) -> dict[str, str]:
        return {"instance_id": self.instance_id, "model_name_or_path": model, "model_patch": self.model_patch}


def to_task(inst: Instance, repo: Path, workdir: Path) -> Task:
    return Task(id=inst.instance_id, kind="swe",
                input={"problem_statement": inst.problem_statement + (f"\n\nHints:\n{inst.hints_text}"
                                                                       if inst.hints_text else ""),
                       "repo_path": str(repo), "base_commit": inst.base_commit, "workdir": str(workdir)})


async def solve_instance(inst: Instance, *, model: str | Model, budget: Budget | None = None, sandbox: str = "bwrap",
                         run_dir: Path | str, mode: str = "scaled", k: int = 4, edit_format: str = "auto",
                         cost_model: CostModel | None = None, models: dict[str, Model] | None = None,
                         on_event: Callable[[dict], None] | None = None, model_options: dict | None = None,
                         resume: bool = False) -> SolveResult:
    from sandboxes.workspace import WorkspaceManager

    run_dir = Path(run_dir)
    repo = materialize_repo(inst)
    started = time.time()
    rt = Runtime(model=model, budget=budget, cost_model=cost_model, sandbox=sandbox, models=models,
                 on_event=on_event, model_options=model_options)
    with WorkspaceManager(repo).create(inst.base_commit) as view:  # a read-only view for localization
        task = to_task(inst, repo, view.path)
        pipeline = swe_pipeline(mode, k=k, edit_format=edit_format)
        config = {"pipeline": "swe", "options": {"mode": mode, "k": k, "edit_format": edit_format},
                  "instance": inst.to_record(), "model": rt.default_model}
        result = await run(pipeline, task, rt, run_dir=run_dir, config=config, resume=resume)
    if models is not None:
        models.update(rt._models)
    patch = final_patch(result)
    name = rt.default_model
    out = SolveResult(instance_id=inst.instance_id, model_patch=patch, status=result.status, spend=result.spend,
                      wall_s=round(time.time() - started, 2), steps=result.steps, run_dir=str(run_dir))
    (run_dir / "patch.diff").write_text(patch)
    (run_dir / "predictions.jsonl").write_text(json.dumps(out.prediction(name)) + "\n")
    return out
