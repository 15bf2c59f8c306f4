"""`scaleagent bench humaneval`: one sample vs. the scaled pipeline on the same problems."""
from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from budgets import Budget

from agents.cli_support import build_runtime, emit_json, runtime_config
from agents.errors import ConfigError
from agents.trajectory import write_atomic


def bench_humaneval(*, limit: int, offset: int, ids: list[str] | None, mode: str, model: str, budget: Budget, k: int,
                    sandbox: str, out: Path, api_base: str | None, price: str | None, as_json: bool) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table

    from agents import pipelines
    from agents.humaneval import load_problems, run_suite, select, summarize
    from agents.paths import ensure_dir
    from agents.redact import redact

    problems = load_problems()
    tasks = select(problems, ids=ids, limit=limit, offset=offset)
    if not tasks:
        raise ConfigError(f"--offset {offset} is past the last problem: HumanEval has {len(problems)} "
                          f"(offsets 0 to {len(problems) - 1})")
    arms = {"single": "humaneval-single", "scaled": "humaneval"}
    chosen = list(arms) if mode == "both" else [mode]
    cfgs = {arm: runtime_config(pipeline=arms[arm], options={"k": k}, model=model, budget=budget, sandbox=sandbox,
                                api_base=api_base, price=price) for arm in chosen}  # every check before a write
    for arm in chosen:  # a budget that could not hold is an error before anything is written
        pipelines.check_budget(pipelines.build(arms[arm], {"k": k}), build_runtime(cfgs[arm]),
                               pipelines.get(arms[arm]).tools)
    ensure_dir(out, "--out")
    con = Console(stderr=as_json)
    summaries: dict[str, Any] = {}
    models: dict = {}
    for arm in chosen:
        rt = build_runtime(cfgs[arm], models=models)  # shares one loaded model across tasks and arms
        models.update(rt._models)
        with Progress(TextColumn(f"[bold]{arm}[/]"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                      TextColumn("{task.fields[info]}"), TimeElapsedColumn(), console=con) as bar:
            job = bar.add_task(arm, total=len(tasks), info="")
            done: list = []

            def on_task(o, bar=bar, job=job, done=done) -> None:
                done.append(o)
                s = summarize(done)
                bar.update(job, advance=1, info=f"passed {s['passed']}/{len(done)}  ${s['cost_usd']:.4f}  "
                                                f"{s['tokens']} tok")

            outcomes = asyncio.run(run_suite(tasks, lambda arm=arm: pipelines.build(arms[arm], {"k": k}), model=model,
                                             budget=budget, out_dir=out / arm, sandbox=sandbox,
                                             cost_model=rt.tracker.cost_model, models=models, on_task=on_task))
        summaries[arm] = summarize(outcomes) | with_errors(outcomes, out / arm)
    result = {"benchmark": "humaneval", "model": model, "k": k, "budget": budget.describe(), "out": str(out),
              "arms": summaries}
    write_atomic(out / "summary.json", json.dumps(result, indent=2))
    if as_json:
        emit_json(result)
        return
    table = Table(title=f"HumanEval, {len(tasks)} problems, {model}")
    for col in ("arm", "pass rate", "passed", "error", "unified cost $", "tokens", "model calls", "wall s"):
        table.add_column(col)
    for arm, s in summaries.items():
        table.add_row(arm, f"{s['pass_rate']:.0%}", f"{s['passed']}/{s['tasks']}", str(s["error"]),
                      f"{s['cost_usd']:.6f}", str(s["tokens"]), str(s["model_calls"]), f"{s['wall_s']:.1f}")
    con.print(table)
    for arm, s in summaries.items():
        for t in s["per_task"]:
            if t["status"] == "error":
                con.print(f"  [red]error[/] {arm} {t['task_id']}: {escape(redact(t['detail'])[:150])}", highlight=False)
    con.print(f"per-task runs and summary.json in {out}")


def with_errors(outcomes: list, arm_dir: Path) -> dict[str, Any]:
    """Per-task rows where a run whose model calls all failed (status "failed") is scored `error`
    with its first error as the detail (not `failed`, as a wrong answer is), and the error count."""
    from agents.paths import id_path
    from agents.trajectory import RunFiles

    rows = []
    for o in outcomes:
        row = o.model_dump()
        if o.status == "failed":
            try:
                result = RunFiles(id_path(arm_dir, o.task_id)).result() or {}
            except ConfigError:
                result = {}
            errors = (result.get("meta") or {}).get("errors") or []
            row |= {"status": "error", "passed": False,
                    "detail": " ".join(str(errors[0]).split())[:300] if errors else "no model call succeeded"}
        rows.append(row)
    return {"error": sum(r["status"] == "error" for r in rows),
            "error_ids": [r["task_id"] for r in rows if r["status"] == "error"], "per_task": rows}
