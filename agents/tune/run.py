"""`scaleagent tune`: search allocation plans for a pipeline on dev instances and write the best as
a plan YAML. Methods at equal tuning cost (the same number of dev evaluations): `agentts`
(LLM-guided), `random`, `uniform` (the uniform split: one evaluation); `compare` runs all three."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from budgets import Budget
from budgets.plan import Plan

from agents.tune.agentts import AgentTTSProposer
from agents.tune.search import METHODS, SearchResult, search, with_provenance
from agents.tune.space import SearchSpace

CHOICES = METHODS + ("compare",)


async def tune(*, pipeline: str, instances: list[Any], budget: Budget, trials: int, method: str, model: Any,
               tuner: Any, out_dir: Path, mode: str = "scaled", k: int = 4, stage_models: tuple[str, ...] = (),
               sandbox: str = "bwrap", cost_model: Any = None, models: dict[str, Any] | None = None,
               seed: int = 0, on_trial: Callable | None = None, on_event: Callable | None = None,
               start: list[Plan] | tuple[Plan, ...] = ()) -> dict[str, SearchResult]:
    """Run the search(es); returns method -> SearchResult. `model`: the run's model (name or Model);
    `tuner`: the proposer's Model (agentts); `stage_models`: models a stage may be given; `start`: plans
    to start from (measured once, under `out_dir/start`, then the first trials of random and agentts)."""
    from agents.errors import ConfigError
    from agents.swe.pipeline import swe_pipeline
    from agents.tune.evaluate import SweDev

    if pipeline != "swe":
        raise ConfigError(f"tune supports the swe pipeline (dev instances graded on hidden tests), not {pipeline!r}")
    if method not in CHOICES:
        raise ConfigError(f"bad --method {method!r}: choose one of {', '.join(CHOICES)}")
    default = model if isinstance(model, str) else model.name
    space = SearchSpace.of(swe_pipeline(mode, k=k),
                           models=tuple(dict.fromkeys((default, *stage_models))) if stage_models else ())
    models = models if models is not None else {}
    if not isinstance(model, str):
        models[model.name] = model
    check_start(start, trials=trials, mode=mode, k=k)

    def dev_for(name: str) -> SweDev:
        return SweDev(instances, model=default, budget=budget, out=Path(out_dir) / name, mode=mode, k=k,
                      sandbox=sandbox, cost_model=cost_model, models=models, on_event=on_event, seed=seed)

    warm = []
    if start and method != "uniform":
        for i, plan in enumerate(start):
            t = await dev_for("start")(plan, i)
            warm.append(t.model_copy(update={"plan": plan, "note": f"start plan {i + 1} (given)"}))
    results: dict[str, SearchResult] = {}
    for m in (METHODS if method == "compare" else (method,)):
        dev = dev_for(m)
        proposer = None
        if m == "agentts":
            proposer = AgentTTSProposer(tuner, seed=seed, objective=(
                f"Pipeline {pipeline} (mode {mode}) on {len(instances)} dev task(s), each with the budget "
                f"{budget.describe()}."))
        res = await search(m, space, dev, trials, seed=seed, propose=proposer, on_trial=on_trial, start=warm)
        if proposer is not None:
            res.tuner_tokens = proposer.tokens
        results[m] = res
    return results


def check_start(start: list[Plan] | tuple[Plan, ...], *, trials: int, mode: str, k: int) -> None:
    """Start plans must fit within the trials and fit the pipeline (PlanError/ConfigError: one line)."""
    from agents.errors import ConfigError
    from agents.swe.pipeline import swe_pipeline

    if len(start) > trials:
        raise ConfigError(f"{len(start)} start plans but --trials {trials}: the start plans count as trials; "
                          "raise --trials or give fewer --start")
    for plan in start:
        plan.apply(swe_pipeline(mode, k=k))


def plans(results: dict[str, SearchResult], *, pipeline: str, mode: str, k: int, dev: list[str],
          budget: str, start: list[str] | None = None) -> dict[str, Plan]:
    """Each method's best plan with its provenance (`start`: the files of the start plans, when given)."""
    extra = {"start": start} if start else {}
    return {m: with_provenance(r, pipeline=pipeline, options={"mode": mode, "k": k}, dev=dev, budget=budget, **extra)
            for m, r in results.items()}


def winner(results: dict[str, SearchResult]) -> str:
    """The method whose best trial is best (solved, then partial credit, then cost); ties go to the earlier of agentts,
    random, uniform."""
    order = [m for m in ("agentts", "random", "uniform") if m in results]
    return max(order, key=lambda m: (results[m].best.objective(), -order.index(m)))
