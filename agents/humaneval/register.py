"""Registers the HumanEval pipelines (`humaneval`: scaled, `humaneval-single`: one greedy sample) in
agents.pipelines. The task is named by its HumanEval id in the run config ("task_id"); the finished
answer is graded against the problem's hidden tests."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from agents.config import DEFAULT_SANDBOX
from agents.pipelines import PipelineKind, register


def _scaled(o: dict[str, Any]):
    from agents.errors import ConfigError
    from agents.humaneval.stages import scaled_pipeline

    mode = o.get("mode", "scaled")  # a bench sweep's --mode
    if mode == "single":
        return _single(o)
    if mode == "best_of_n":  # K solutions voted on by the generated tests, no refinement
        return scaled_pipeline(k=int(o.get("k", 4)), test_samples=int(o.get("test_samples", 2)), max_steps=1,
                               greedy_first=bool(o.get("greedy_first", True)))
    if mode != "scaled":
        raise ConfigError(f"bad humaneval mode {mode!r}: choose single, best_of_n or scaled")
    return scaled_pipeline(k=int(o.get("k", 4)), test_samples=int(o.get("test_samples", 2)),
                           max_steps=int(o.get("max_steps", 3)), greedy_first=bool(o.get("greedy_first", True)))


def _single(o: dict[str, Any]):
    from agents.humaneval.stages import single_pipeline

    return single_pipeline()


def pick(problem: str | None, source: Path | None) -> dict[str, Any]:
    from agents.errors import ConfigError
    from agents.humaneval.data import load_problems, select

    if source is not None:
        raise ConfigError("HumanEval problems come with the package: give --problem ID, not --instance")
    if not problem:
        raise ConfigError("give the HumanEval problem with --problem, e.g. -p 0 or -p HumanEval/0")
    return {"task_id": select(load_problems(), ids=[problem])[0].id}


def task(cfg: dict[str, Any], run_dir: Path):
    from agents.errors import ConfigError
    from agents.humaneval.data import load_problems, select
    from agents.state import Task
    from agents.trajectory import RunFiles

    if cfg.get("task_id"):
        return select(load_problems(), ids=[str(cfg["task_id"])])[0]
    files = RunFiles(run_dir)  # runs written before the registry kept the task itself in run.json
    if files.meta_path.is_file() and isinstance(files.meta().get("task"), dict):
        return Task(**files.meta()["task"])
    raise ConfigError(f"the run config in {run_dir} names no HumanEval problem (task_id)")


def finish(result: Any, cfg: dict[str, Any], run_dir: Path) -> dict[str, Any]:
    from agents.humaneval.bench import grade

    passed, detail = grade(result.task, result.answer, cfg.get("sandbox") or DEFAULT_SANDBOX)
    return {"passed": passed, "grade": detail}


def bench_tasks(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """spec: {"ids": [...]} or {"limit": N, "offset": M} (default: all 164)."""
    from agents.errors import ConfigError
    from agents.humaneval.data import load_problems, select

    if spec.get("source"):
        raise ConfigError("HumanEval problems come with the package: give --ids or --limit/--offset, not a source file")
    problems = load_problems()
    offset = int(spec.get("offset") or 0)
    if offset >= len(problems):
        raise ConfigError(f"--offset {offset} is past the last problem: HumanEval has {len(problems)} "
                          f"(offsets 0 to {len(problems) - 1})")
    tasks = select(problems, ids=spec.get("ids"), limit=spec.get("limit"), offset=offset)
    return [{"task_id": t.id} for t in tasks]


def score(result: Any, extra: dict[str, Any]) -> dict[str, Any]:
    return {"success": bool(extra.get("passed")), "grade": str(extra.get("grade", ""))[:300]}


def lines(extra: dict[str, Any]) -> list[str]:
    if "passed" not in extra:
        return []
    return [f"hidden tests: {'[green]passed' if extra['passed'] else '[red]failed'}[/]"]


register(PipelineKind(name="humaneval", build=_scaled, pick=pick, task=task, finish=finish, lines=lines,
                      bench_tasks=bench_tasks, score=score, help="HumanEval: generated tests, K solutions, test vote, refine"))
register(PipelineKind(name="humaneval-single", build=_single, pick=pick, task=task, finish=finish, lines=lines,
                      bench_tasks=bench_tasks, score=score, help="HumanEval: one greedy sample"))
