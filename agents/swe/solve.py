"""Solve one SWE instance: materialize the repository, run the SWE pipeline, write the patch,
the SWE-bench prediction line, the trajectory and the spend into the run directory."""
from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any, Callable

from pydantic import BaseModel

from budgets import Budget, CostModel

from agents.models.base import Model
from agents.runtime import Runtime
from agents.state import Task
from agents.swe.instances import Instance


class SolveResult(BaseModel):
    instance_id: str
    model_patch: str
    status: str
    spend: dict[str, Any]
    wall_s: float
    steps: int
    run_dir: str
    checks: dict[str, Any] = {}   # what verification said of the patch (see `final_checks`)
    error: str | None = None      # status "failed": the first error (no model call succeeded)
    env_build: dict[str, Any] = {}  # the test environment's build before the run (sandboxes.pyenv.prepare): not charged

    def prediction(self, model: str) -> dict[str, str]:
        return {"instance_id": self.instance_id, "model_name_or_path": model, "model_patch": self.model_patch}


def to_task(inst: Instance, repo: Path, workdir: Path) -> Task:
    return Task(id=inst.instance_id, kind="swe",
                input={"problem_statement": inst.problem_statement + (f"\n\nHints:\n{inst.hints_text}"
                                                                       if inst.hints_text else ""),
                       "repo_path": str(repo), "base_commit": inst.base_commit, "workdir": str(workdir)})


def export_tree(repo: Path, commit: str, dest: Path) -> Path:
    """The files of `commit` under `dest` (a plain copy, no .git): the read-only view stages read.
    Links that point outside the tree (absolute symlinks, `../` out of it) are left out of the view,
    never followed or written: they cannot be read safely and a patch cannot change where they lead."""
    import io
    import tarfile

    import git

    if (dest / ".complete").exists():
        return dest
    dest.mkdir(parents=True, exist_ok=True)
    data = git.Repo(str(repo)).git.archive(commit, format="tar", stdout_as_string=False)

    def inside_only(member: tarfile.TarInfo, path: str) -> tarfile.TarInfo | None:
        try:
            return tarfile.data_filter(member, path)
        except tarfile.FilterError:
            return None  # skipped: an absolute or escaping link, or a special file

    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(dest, filter=inside_only)
    (dest / ".complete").write_text(commit + "\n")
    return dest


async def solve_instance(inst: Instance, *, model: str | Model, budget: Budget | None = None, sandbox: str = "bwrap",
                         run_dir: Path | str, mode: str = "scaled", k: int = 4, edit_format: str = "auto",
                         cost_model: CostModel | None = None, models: dict[str, Model] | None = None,
                         on_event: Callable[[dict], None] | None = None, model_options: dict | None = None,
                         resume: bool = False, config: dict[str, Any] | None = None, plan: Any = None,
                         seed: int = 0) -> SolveResult:
    """Run the registered `swe` pipeline on `inst` (agents.pipelines.execute: the run directory is
    locked for the run). `config` (CLI runtime settings: price, api_base) is stored in run.json so
    `resume` rebuilds the run. `plan` (a `budgets.plan.Plan` or its dict): per-stage share, k,
    temperature and model, applied to the pipeline and recorded in run.json with its provenance.
    `seed`: the base seed of sampled calls (greedy calls do not depend on it)."""
    from agents import pipelines
    from agents.swe.register import record

    from sandboxes.pyenv import prepare

    from agents.swe.instances import materialize_repo

    run_dir = Path(run_dir)
    # built before the run's clock starts and outside any test-run slot: reported, never charged
    env_build = await asyncio.to_thread(prepare, lambda: materialize_repo(inst), inst.base_commit, sandbox)
    started = time.time()
    rt = Runtime(model=model, budget=budget, cost_model=cost_model, sandbox=sandbox, models=models,
                 on_event=on_event, model_options=model_options, seed=seed)
    config = {**(config or {}), "pipeline": "swe", "options": {"mode": mode, "k": k, "edit_format": edit_format},
              "task_id": inst.instance_id, "instance": record(inst), "model": rt.default_model, "sandbox": sandbox,
              "budget": (budget or Budget()).model_dump()}
    if plan is not None:
        config["plan"] = plan if isinstance(plan, dict) else plan.model_dump(exclude_none=True)
    if seed:
        config["seed"] = seed
    result, extra = await pipelines.execute(config, run_dir, rt, resume=resume)
    if models is not None:
        models.update(rt._models)
    return SolveResult(instance_id=inst.instance_id, model_patch=extra["patch"], status=result.status,
                       spend=result.spend, wall_s=round(time.time() - started, 2), steps=result.steps,
                       run_dir=str(run_dir), checks=extra["checks"], error=pipelines.failure(result),
                       env_build=env_build)
