"""Run HumanEval tasks through a pipeline and grade each answer against the real hidden tests."""
from __future__ import annotations

import asyncio
import json
import secrets
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from agents.graph import Pipeline, run
from agents.humaneval.runner_script import make_spec, read_verdict
from agents.models.base import Model
from agents.runtime import Runtime
from agents.state import Task
from budgets import Budget, CostModel

RUNNER = (Path(__file__).parent / "runner_script.py").read_text()


class TaskOutcome(BaseModel):
    task_id: str
    passed: bool
    cost_usd: float
    tokens: int
    model_calls: int
    steps: int
    wall_s: float
    status: str
    detail: str = ""


def grade(task: Task, code: str | None, sandbox: str = "bwrap", timeout: float = 30) -> tuple[bool, str]:
    """HumanEval semantics: the hidden `check(entry_point)` must pass on the prompt + the completion.
    The check runs in the harness process (runner_script.py), the completion in a process of its
    own: a pass is the harness's verdict line with this run's nonce, never the program's exit code."""
    from sandboxes import open_sandbox

    if not code:
        return False, "no answer"
    nonce = secrets.token_hex(16)
    spec = make_spec(mode="check", prompt=task.input["prompt"], source=task.input["prompt"] + "\n\n" + code + "\n",
                     entry_point=task.input["entry_point"], nonce=nonce, test=task.meta["test"],
                     timeout=max(1.0, timeout - 5))
    work = Path(tempfile.mkdtemp(prefix="scaleagent-grade-"))
    try:
        (work / "runner.py").write_text(RUNNER)
        (work / "spec.json").write_text(spec)
        with open_sandbox(sandbox, work) as sb:
            res = sb.run("python3 -I runner.py", timeout=timeout)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    verdict = read_verdict(res.stdout, res.exit_code, nonce)
    if verdict is not None and verdict.get("passed") is True:
        return True, "passed"
    if verdict is not None:
        why = verdict.get("detail") or verdict.get("load_error") or verdict.get("harness_error")
        return False, str(why or "failed")[-300:]
    if res.timed_out:
        return False, "timed out"
    return False, f"no verdict from the grading harness (exit code {res.exit_code}): {res.stderr.strip()[-250:]}"


async def run_suite(tasks: list[Task], make_pipeline: Callable[[], Pipeline], *, model: str | Model,
                    budget: Budget | None, out_dir: Path, sandbox: str = "bwrap", cost_model: CostModel | None = None,
                    models: dict[str, Model] | None = None, on_task: Callable[[TaskOutcome], None] | None = None,
                    on_event=None) -> list[TaskOutcome]:
    """Solve and grade each task in turn (a local model serves one request at a time). A task with a
    `result.json` in its run directory is graded from it and not solved again (resumable)."""
    from agents.paths import id_path

    shared_models: dict[str, Model] = dict(models or {})
    outcomes = []
    for task in tasks:
        run_dir = id_path(out_dir, task.id)  # ids hold '/' (HumanEval/0): one safe path component
        outcome_file = run_dir / "outcome.json"
        if outcome_file.is_file():
            outcome = TaskOutcome(**json.loads(outcome_file.read_text()))
        else:
            if run_dir.exists():
                shutil.rmtree(run_dir)  # an unfinished attempt: start that task over
            rt = Runtime(model=model, budget=budget, cost_model=cost_model, sandbox=sandbox, models=shared_models,
                         on_event=on_event)
            started = time.time()
            result = await run(make_pipeline(), task, rt, run_dir=run_dir)
            wall = time.time() - started
            shared_models.update(rt._models)
            passed, detail = await asyncio.to_thread(grade, task, result.answer, sandbox)
            s = result.spend
            outcome = TaskOutcome(task_id=task.id, passed=passed, cost_usd=s["cost_usd"],
                                  tokens=s["input_tokens"] + s["output_tokens"], model_calls=s["model_calls"],
                                  steps=result.steps, wall_s=round(wall, 2), status=result.status, detail=detail)
            outcome_file.write_text(outcome.model_dump_json())
        outcomes.append(outcome)
        if on_task:
            on_task(outcome)
    return outcomes


def summarize(outcomes: list[TaskOutcome]) -> dict[str, Any]:
    n = len(outcomes) or 1
    return {"tasks": len(outcomes), "passed": sum(o.passed for o in outcomes),
            "pass_rate": round(sum(o.passed for o in outcomes) / n, 4),
            "cost_usd": round(sum(o.cost_usd for o in outcomes), 6),
            "tokens": sum(o.tokens for o in outcomes), "model_calls": sum(o.model_calls for o in outcomes),
            "wall_s": round(sum(o.wall_s for o in outcomes), 1)}
