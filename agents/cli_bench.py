"""`scaleagent bench humaneval`: one sample vs. the scaled pipeline on the same problems."""
from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from budgets import Budget

from agents.cli_support import build_runtime, emit_json, runtime_config


def bench_humaneval(*, limit: int, offset: int, ids: list[str] | None, mode: str, model: str, budget: Budget, k: int,
                    sandbox: str, out: Path, api_base: str | None, price: str | None, as_json: bool) -> None:
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table

    from agents import pipelines
    from agents.humaneval import load_problems, run_suite, select, summarize

    tasks = select(load_problems(), ids=ids, limit=limit, offset=offset)
    arms = {"single": "humaneval-single", "scaled": "humaneval"}
    chosen = list(arms) if mode == "both" else [mode]
    con = Console(stderr=as_json)
    summaries: dict[str, Any] = {}
    models: dict = {}
    for arm in chosen:
        cfg = runtime_config(pipeline=arms[arm], options={"k": k}, model=model, budget=budget, sandbox=sandbox,
                             api_base=api_base, price=price)
        rt = build_runtime(cfg, models=models)  # shares one loaded model across tasks and arms
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
        summaries[arm] = summarize(outcomes) | {"per_task": [o.model_dump() for o in outcomes]}
    result = {"benchmark": "humaneval", "model": model, "k": k, "budget": budget.describe(), "out": str(out),
              "arms": summaries}
    (out / "summary.json").write_text(__import__("json").dumps(result, indent=2))
    if as_json:
        emit_json(result)
        return
    table = Table(title=f"HumanEval, {len(tasks)} problems, {model}")
    for col in ("arm", "pass rate", "passed", "unified cost $", "tokens", "model calls", "wall s"):
        table.add_column(col)
    for arm, s in summaries.items():
        table.add_row(arm, f"{s['pass_rate']:.0%}", f"{s['passed']}/{s['tasks']}", f"{s['cost_usd']:.6f}",
                      str(s["tokens"]), str(s["model_calls"]), f"{s['wall_s']:.1f}")
    con.print(table)
    con.print(f"per-task runs and summary.json in {out}")
