"""Allocation search at a fixed tuning cost: every method gets the same number of dev evaluations
(trials). `uniform` evaluates the uniform split; `random` samples plans from the space; `agentts`
asks an LLM for each next plan given the trials so far (`agents.tune.agentts`).

A trial runs the pipeline with one plan on every dev instance (`Evaluate`); the objective is the
number solved, then the partial credit (`tests`: the mean share of each instance's hidden tests that
pass, see agents.tune.evaluate.credit), then the lower cost. On a few dev instances whole solves are
rare and all-or-nothing: without the partial credit, plans that solve nothing were ranked by cost
alone, so the cheapest plan that solved nothing looked best."""
from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import BaseModel

from budgets.plan import Plan

from agents.tune.space import SearchSpace

METHODS = ("uniform", "random", "agentts")


class Trial(BaseModel):
    index: int
    method: str
    plan: Plan
    solved: int = 0
    tasks: int = 0
    cost: float = 0.0            # mean unified cost per task (dollars)
    tokens: float = 0.0          # mean tokens per task
    tests: float = 0.0           # partial credit: mean over tasks of the share of hidden tests passing (0..1)
    per_task: dict[str, bool] = {}
    note: str = ""               # why this plan (the proposer's reasoning, "uniform", "random" ...)

    def objective(self) -> tuple[float, float, float, float]:
        return (self.solved, self.tests, -self.cost, -self.tokens)

    def result(self) -> str:
        """`solved 0/2, hidden tests 0.42, $0.00068/task, 4983 tokens/task`"""
        return (f"solved {self.solved}/{self.tasks}, hidden tests {self.tests:.2f}, ${self.cost:.5f}/task, "
                f"{self.tokens:.0f} tokens/task")

    def line(self) -> str:
        why = f" [{self.note}]" if self.note and self.note != self.method else ""
        return f"trial {self.index} ({self.method}): {self.result()}  {self.plan.describe()}{why}"


Evaluate = Callable[[Plan, int], Awaitable[Trial]]   # (plan, trial index) -> Trial (solved, cost ...)
Propose = Callable[[SearchSpace, list[Trial]], Awaitable[tuple[Plan, str]]]


class SearchResult(BaseModel):
    method: str
    trials: list[Trial]
    tuner_tokens: int = 0        # tokens the tuner's own LLM spent (agentts)

    @property
    def best(self) -> Trial:
        return max(self.trials, key=lambda t: t.objective())


async def search(method: str, space: SearchSpace, evaluate: Evaluate, trials: int, *, seed: int = 0,
                 propose: Propose | None = None, on_trial: Callable[[Trial], None] | None = None,
                 start: list[Trial] | tuple[Trial, ...] = ()) -> SearchResult:
    """Run `trials` evaluations with `method`. The uniform method evaluates the uniform split once
    (it has nothing to search; its tuning cost is one trial). `start`: trials already measured (a warm
    start from given plans): random and agentts count them as their first trials (within `trials`, so
    the tuning cost stays equal), never re-measure their plans, and agentts proposes from their results;
    the uniform split ignores them."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}")
    if method == "agentts" and propose is None:
        raise ValueError("agentts needs a proposer (an LLM)")
    # each method its own stream: with one seed, agentts's random fallback (a repeated plan) drew the
    # random method's first plan, and `compare` credited agentts with random's find
    rng = random.Random(f"{method}:{seed}")
    done: list[Trial] = []
    seen: set[str] = set()
    for t in ([] if method == "uniform" else list(start)[:trials]):
        trial = t.model_copy(update={"index": len(done), "method": method, "note": t.note or "start"})
        done.append(trial)
        seen.add(space.key(trial.plan))
        if on_trial:
            on_trial(trial)
    for i in range(len(done), 1 if method == "uniform" else trials):
        note = method
        if method == "uniform":
            plan = space.uniform()
        elif method == "random":
            plan = _fresh(space, lambda: space.random(rng), seen)
        else:
            plan, note = await propose(space, done)
            if space.key(plan) in seen:   # the model repeated itself: explore instead of re-measuring
                plan, note = _fresh(space, lambda: space.random(rng), seen), "repeat of an earlier plan: random instead"
        seen.add(space.key(plan))
        trial = await evaluate(plan, i)
        trial = trial.model_copy(update={"index": i, "method": method, "plan": plan, "note": note})
        done.append(trial)
        if on_trial:
            on_trial(trial)
    return SearchResult(method=method, trials=done)


def _fresh(space: SearchSpace, make: Callable[[], Plan], seen: set[str], tries: int = 50) -> Plan:
    plan = make()
    for _ in range(tries):
        if space.key(plan) not in seen:
            break
        plan = make()
    return plan


def with_provenance(result: SearchResult, **fields: Any) -> Plan:
    """The best trial's plan, its provenance filled in (method, trials, score, cost, and `fields`)."""
    best = result.best
    plan = best.plan.model_copy(deep=True)
    prov = plan.provenance.model_copy(update={"method": result.method, "trials": len(result.trials),
                                              "score": float(best.solved), "cost": best.cost, **fields})
    prov.__pydantic_extra__ = {**(prov.__pydantic_extra__ or {}), "tokens_per_task": best.tokens,
                               "tuner_tokens": result.tuner_tokens,
                               "best": {"trial": best.index, "why": best.note},   # "start plan 1 (given)": not found
                               "history": [{"solved": t.solved, "tests": t.tests, "cost": t.cost, "tokens": t.tokens,
                                            "plan": t.plan.describe(), "why": t.note} for t in result.trials]}
    plan.provenance = prov
    return plan
