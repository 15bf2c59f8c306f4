"""The pipeline registry and the one run entry every command goes through.

A task kind registers itself: a package `agents/<kind>/` with a `register.py` module (found by
listing the `agents` package, never named here), or an installed distribution with an entry point
in the group `scaleagent.pipelines`, calls `register(PipelineKind(...))`. This module imports no task
kind. A run directory's `run.json` stores the run config (pipeline name, options, and whatever the
kind's `pick` put there), so `scaleagent resume RUN_DIR` rebuilds the same run in a fresh process:

    kind = pipelines.get(cfg["pipeline"])
    result, extra = await pipelines.execute(cfg, run_dir, runtime, resume=True)
"""
from __future__ import annotations

import asyncio
import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agents.errors import ConfigError
from agents.graph import Pipeline

Factory = Callable[[dict[str, Any]], Pipeline]


def _no_pick(problem: str | None, source: Path | None) -> dict[str, Any]:
    raise ConfigError("this pipeline cannot be started from the command line")


def _no_extra(result: Any, cfg: dict[str, Any], run_dir: Path) -> dict[str, Any]:
    return {}


def _no_tasks(spec: dict[str, Any]) -> list[dict[str, Any]]:
    raise ConfigError("this pipeline has no benchmark")


def _status_score(result: Any, extra: dict[str, Any]) -> dict[str, Any]:
    return {"success": getattr(result, "status", None) == "solved"}


@dataclass(frozen=True)
class PipelineKind:
    """What a registered pipeline provides.

    build(options) -> Pipeline                 the graph, from the options stored in run.json
    pick(problem, source) -> dict              CLI input (`--problem ID`, `--instance FILE`) -> the
                                               config keys that name the task (JSON; kept in run.json);
                                               must include "task_id"
    task(cfg, run_dir) -> Task                 the Task, from a run config (on a new run and on resume)
    finish(result, cfg, run_dir) -> dict       after the run: grade / write outputs; extra report fields
    lines(extra) -> list[str]                  human-readable lines (rich markup) for those fields
    bench_tasks(spec) -> list[dict]            bench: the benchmark's tasks from the kind's bench inputs
                                               (spec: e.g. {"source": path} or {"tasks": [...], "seeds": [...]};
                                               "say": a callable for progress lines, if the kind has any)
                                               -> config fragments like pick's, each with "task_id", in order
    score(result, extra) -> dict               bench: one task's row fields from the RunResult and finish's
                                               extra; always has "success" (bool), may add e.g. "reward"
    """

    name: str
    build: Factory
    task: Callable[[dict[str, Any], Path], Any]
    pick: Callable[[str | None, Path | None], dict[str, Any]] = _no_pick
    finish: Callable[[Any, dict[str, Any], Path], dict[str, Any]] = _no_extra
    lines: Callable[[dict[str, Any]], list[str]] = field(default=lambda extra: [])
    help: str = ""
    tools: tuple[str, ...] = ("run_tests",)    # the budgeted tools its stages call (budget keys)
    bench_tasks: Callable[[dict[str, Any]], list[dict[str, Any]]] = _no_tasks
    score: Callable[[Any, dict[str, Any]], dict[str, Any]] = _status_score


_REGISTRY: dict[str, PipelineKind] = {}
_loaded = False


def register(kind: PipelineKind) -> None:
    _REGISTRY[kind.name] = kind


def get(name: str) -> PipelineKind:
    _discover()
    if name not in _REGISTRY:
        raise ConfigError(f"unknown pipeline {name!r}: choose one of {', '.join(sorted(_REGISTRY))}")
    return _REGISTRY[name]


def build(name: str, options: dict[str, Any] | None = None) -> Pipeline:
    return get(name).build(options or {})


def names() -> list[str]:
    _discover()
    return sorted(_REGISTRY)


def _discover() -> None:
    """Import `agents.<pkg>.register` for every subpackage that has one, then entry points."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    import agents

    for info in pkgutil.iter_modules(agents.__path__):
        if info.ispkg and (Path(info.module_finder.path) / info.name / "register.py").is_file():
            importlib.import_module(f"agents.{info.name}.register")
    from importlib.metadata import entry_points

    for ep in entry_points(group="scaleagent.pipelines"):
        ep.load()


async def execute(cfg: dict[str, Any], run_dir: Path | str, runtime: Any, *,
                  resume: bool = False) -> tuple[Any, dict[str, Any]]:
    """Run (or continue) the run `cfg` describes in `run_dir`, holding the run directory's lock the
    whole time; then the kind's `finish`. Returns (RunResult, extra report fields)."""
    from agents.graph import run as run_graph
    from agents.paths import ensure_dir
    from agents.trajectory import run_lock

    kind = get(cfg.get("pipeline", ""))
    pipe = kind.build(cfg.get("options") or {})
    from budgets.plan import apply_plan

    apply_plan(pipe, cfg.get("plan"))  # an allocation plan (`--plan FILE`): per-stage share, k, temperature, model
    check_budget(pipe, runtime, kind.tools)  # before anything is written
    run_dir = ensure_dir(run_dir, "run directory")
    with run_lock(run_dir):
        task = await asyncio.to_thread(kind.task, cfg, run_dir)
        result = await run_graph(pipe, task, runtime, run_dir=run_dir, config=cfg, resume=resume)
        extra = await asyncio.to_thread(kind.finish, result, cfg, run_dir)
    return result, extra


def check_budget(pipe: Pipeline, runtime: Any, tools: tuple[str, ...]) -> None:
    """A budget that could not hold is an error before anything runs: a cap on a tool the pipeline
    does not call (a typo: no cap at all), or a usd cap on a model with no known price."""
    from agents.calls import check_budget as check

    names = {runtime.default_model} | {s.model for s in pipe.stages if s.model}
    models = [runtime.model(n) for n in sorted(names) if not n.startswith("local/")]  # local: $0, known
    check(runtime.tracker.budget, tools=tools, models=models, cost_model=runtime.tracker.cost_model)


def failure(result: Any) -> str | None:
    """The first error of a run whose model calls all failed (status "failed"); None otherwise."""
    if getattr(result, "status", None) != "failed":
        return None
    errors = (getattr(result, "meta", None) or {}).get("errors") or []
    first = str(errors[0]) if errors else "no model call succeeded"
    return " ".join(first.split())[:300]
