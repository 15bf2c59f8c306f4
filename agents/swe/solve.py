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
from agents.swe.pipeline import final_checks, final_patch, swe_pipeline


class SolveResult(BaseModel):
    instance_id: str
    model_patch: str
    status: str
    spend: dict[str, Any]
    wall_s: float
    steps: int
    run_dir: str
    checks: dict[str, Any] = {}   # what verification said of the patch (see `final_checks`)

    def prediction(self, model: str) -> dict[str, str]:
        return {"instance_id": self.instance_id, "model_name_or_path": model, "model_patch": self.model_patch}


def to_task(inst: Instance, repo: Path, workdir: Path) -> Task:
    return Task(id=inst.instance_id, kind="swe",
                input={"problem_statement": inst.problem_statement + (f"\n\nHints:\n{inst.hints_text}"
                                                                       if inst.hints_text else ""),
                       "repo_path": str(repo), "base_commit": inst.base_commit, "workdir": str(workdir)})


def export_tree(repo: Path, commit: str, dest: Path) -> Path:
    """The files of `commit` under `dest` (a plain copy, no .git): the read-only view stages read."""
    import io
    import tarfile

    import git

    if (dest / ".complete").exists():
        return dest
    dest.mkdir(parents=True, exist_ok=True)
    data = git.Repo(str(repo)).git.archive(commit, format="tar", stdout_as_string=False)
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(dest, filter="data")
    (dest / ".complete").write_text(commit + "\n")
    return dest


async def solve_instance(inst: Instance, *, model: str | Model, budget: Budget | None = None, sandbox: str = "bwrap",
                         run_dir: Path | str, mode: str = "scaled", k: int = 4, edit_format: str = "auto",
                         cost_model: CostModel | None = None, models: dict[str, Model] | None = None,
                         on_event: Callable[[dict], None] | None = None, model_options: dict | None = None,
                         resume: bool = False, config: dict[str, Any] | None = None) -> SolveResult:
    """`config` (CLI runtime settings: price, api_base) is stored in run.json so `resume` rebuilds the run."""
    run_dir = Path(run_dir)
    repo = materialize_repo(inst)
    started = time.time()
    rt = Runtime(model=model, budget=budget, cost_model=cost_model, sandbox=sandbox, models=models,
                 on_event=on_event, model_options=model_options)
    view = export_tree(repo, inst.base_commit, run_dir / "src")  # what localization reads; stable across resume
    task = to_task(inst, repo, view)
    pipeline = swe_pipeline(mode, k=k, edit_format=edit_format)
    config = {**(config or {}), "pipeline": "swe", "options": {"mode": mode, "k": k, "edit_format": edit_format},
              "instance": inst.to_record(), "model": rt.default_model, "sandbox": sandbox,
              "budget": (budget or Budget()).model_dump()}
    result = await run(pipeline, task, rt, run_dir=run_dir, config=config, resume=resume)
    if models is not None:
        models.update(rt._models)
    patch = final_patch(result)
    name = rt.default_model
    out = SolveResult(instance_id=inst.instance_id, model_patch=patch, status=result.status, spend=result.spend,
                      wall_s=round(time.time() - started, 2), steps=result.steps, run_dir=str(run_dir),
                      checks=final_checks(result) if patch else {"verified": False})
    (run_dir / "patch.diff").write_text(patch)
    (run_dir / "predictions.jsonl").write_text(json.dumps(out.prediction(name)) + "\n")
    return out
