"""Registers the GUI pipeline (`gui`): one MiniWoB++ task, by name and seed, in headless Chromium.

    scaleagent run gui -p click-test:3 --k 4 --budget tokens=20k     # task click-test, seed 3
    scaleagent bench gui --tasks click-test,enter-text --seeds 0-4 --k 4

The run config names the task ("gui_task") and the seed; the finished run is scored by the task's
own reward (success iff > 0), and the run directory gets the screenshots (`screens/`) and a
self-contained trajectory viewer (`viewer.html`)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from agents.pipelines import PipelineKind, register


def build(o: dict[str, Any]):
    from agents.graph import Pipeline
    from agents.gui.stage import GuiController, GuiStep
    from budgets import Budget

    actions, pivots = int(o.get("max_actions", 10)), int(o.get("max_pivots", 1))
    step = Budget.parse(o["step_budget"]) if o.get("step_budget") else None
    k = int(o.get("k", 4))
    stage = GuiStep(k=k, select=str(o.get("select", "vote")), step_budget=step, temperature=0.0 if k == 1 else 0.7,
                    controller=GuiController(max_steps=actions, max_pivots=pivots, lost_after=2))
    return Pipeline([stage], name="gui", max_steps=actions + 2)


def parse_problem(problem: str) -> tuple[str, int]:
    """`click-test` or `click-test:3` (task name, seed; default seed 0)."""
    from agents.errors import ConfigError
    from tools.browser import UnknownTask, check_task

    name, _, seed = problem.partition(":")
    try:
        return check_task(name), int(seed or 0)
    except UnknownTask as e:
        raise ConfigError(str(e)) from None
    except ValueError:
        raise ConfigError(f"bad seed in {problem!r}: use TASK:SEED, e.g. click-test:3") from None


def task_cfg(name: str, seed: int) -> dict[str, Any]:
    return {"task_id": f"{name}-s{seed}", "gui_task": name, "seed": seed}


def pick(problem: str | None, source: Path | None) -> dict[str, Any]:
    from agents.errors import ConfigError

    if source is not None or not problem:
        raise ConfigError("give the MiniWoB++ task with --problem NAME[:SEED], e.g. -p click-test:0")
    return task_cfg(*parse_problem(problem))


def task(cfg: dict[str, Any], run_dir: Path):
    from agents.errors import ConfigError
    from agents.state import Task

    if not cfg.get("gui_task"):
        raise ConfigError(f"the run config in {run_dir} names no MiniWoB++ task (gui_task)")
    return Task(id=str(cfg["task_id"]), kind="gui",
                input={"task": cfg["gui_task"], "seed": int(cfg.get("seed", 0)), "run_dir": str(run_dir),
                       "env": cfg.get("env") or {}})


def bench_tasks(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """{"tasks": [names], "seeds": [ints]} -> one config per task × seed, tasks outer."""
    from agents.errors import ConfigError

    tasks, seeds = list(spec.get("tasks") or []), [int(s) for s in spec.get("seeds") or [0]]
    if not tasks:
        raise ConfigError("give the MiniWoB++ tasks, e.g. --tasks click-test,enter-text")
    names = [parse_problem(t)[0] for t in tasks]
    return [task_cfg(n, s) | ({"env": spec["env"]} if spec.get("env") else {}) for n in names for s in seeds]


def finish(result: Any, cfg: dict[str, Any], run_dir: Path) -> dict[str, Any]:
    from agents.gui import envs
    from agents.gui.viewer import outcome, write_viewer

    envs.close(str(run_dir))
    extra = outcome(result, run_dir)
    extra["viewer"] = str(write_viewer(result, run_dir))
    return extra


def score(result: Any, extra: dict[str, Any]) -> dict[str, Any]:
    return {"success": bool(extra.get("success")), "reward": float(extra.get("reward") or 0.0),
            "steps": int(extra.get("actions") or 0)}


def lines(extra: dict[str, Any]) -> list[str]:
    from rich.markup import escape

    if "success" not in extra:
        return []
    verdict = "[green]success[/]" if extra["success"] else "[red]failure[/]"
    return [f"task: {verdict}, reward {extra.get('reward', 0):g}, {extra.get('actions', 0)} actions, "
            f"{extra.get('episodes', 0)} episode(s); {escape(str(extra.get('reason', ''))[:120])}",
            f"trajectory viewer: {escape(str(extra.get('viewer')))}"]


register(PipelineKind(name="gui", build=build, pick=pick, task=task, finish=finish, lines=lines, tools=(),
                      bench_tasks=bench_tasks, score=score,
                      help="GUI: MiniWoB++ in headless Chromium, K actions per step, vote + judge (GTA1)"))
