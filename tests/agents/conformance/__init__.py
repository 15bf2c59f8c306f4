"""Conformance suites for the engine's plug-in protocols (agents.protocols): one set of properties,
parametrized over every implementation (cf. tests/sandboxes/test_conformance.py).

Shared helpers: a real `StepContext` on a scripted model, and hand-made candidates and verdicts.
"""
from __future__ import annotations

from typing import Any

from agents.context import StepContext
from agents.models.scripted import ScriptedModel
from agents.runtime import Runtime
from agents.stage import Stage
from agents.state import Candidate, StageResult, StepRecord, Task, Verdict
from budgets import Budget


def make_ctx(*, model: ScriptedModel | None = None, budget: Budget | None = None, task: Task | None = None,
             step: int = 0, mode: str = "sample", history: list[StepRecord] | None = None,
             result: StageResult | None = None, sandbox: str = "local", stage: Stage | None = None,
             stage_budget: Budget | None = None) -> StepContext:
    """A step context as the engine builds it: run tracker → stage slice (optional caps)."""
    rt = Runtime(model=model or ScriptedModel(default='{"score": 7, "best": 0}'), budget=budget or Budget(),
                 sandbox=sandbox)
    stage = stage or Stage("s")
    tracker = rt.tracker.child(stage.name, stage_budget)
    return StepContext(task=task or Task(id="t", input={"prompt": "say something"}), stage=stage, runtime=rt,
                       tracker=tracker, results={}, history=history or [],
                       result=result or StageResult(stage=stage.name), step=step, mode=mode,  # type: ignore[arg-type]
                       stage_tracker=tracker)


def cands(*contents: Any, errors: dict[int, str] | None = None) -> list[Candidate]:
    """Candidates with `finish_order` 1, 2, ...; `errors[i]` makes candidate i invalid (its content kept,
    so a strategy that ignored validity would see it)."""
    out = []
    for i, c in enumerate(contents):
        err = (errors or {}).get(i)
        out.append(Candidate(id=f"c{i}", content=c, text=str(c), finish_order=i + 1, error=err))
    return out


def verdicts_for(candidates: list[Candidate], scores: list[float]) -> list[Verdict]:
    """One verdict per valid candidate, `scores` in candidate order (entries of invalid ones unused)."""
    return [Verdict(candidate_id=c.id, score=s, passed=s >= 1.0,
                    details={"tests": {"t1": s >= 0.5, "t2": s >= 1.0}})
            for c, s in zip(candidates, scores) if c.valid]
