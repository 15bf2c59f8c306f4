"""`scaleagent bench KIND` for any registered pipeline, and `bench humaneval`, through one runner
(agents.bench): sweeps of arms, workers, per-task timeouts, a results store, local or Ray execution."""
from __future__ import annotations

import importlib
import json
import time
from pathlib import Path
from typing import Any, Optional

import typer

from budgets import Budget

from agents.cli_support import BATCH_HELP, emit_json
from agents.config import DEFAULT_MODEL, DEFAULT_SANDBOX, check_model, check_sandbox, load_budget, parse_prices
from agents.errors import ConfigError
from agents.trajectory import write_atomic


def sweep(kind: str, *, modes: list[str], ks: list[int], budgets: list[str] | None, budget_file: Path | None,
          models: list[str], sandbox: str, api_base: str | None, price: str | None, options: dict | None = None,
          pipeline_for=None, plan: Path | None = None, seeds: list[int] | None = None) -> list:
    """The arms of a sweep; every input is checked here, before anything is written (`plan`, `seeds`: see
    make_arms)."""
    from agents.bench import make_arms
    from agents.bench.cell import provided_models

    parse_prices(price)
    check_sandbox(sandbox)
    for m in models:
        if m not in provided_models():
            check_model(m, api_base)
    if budget_file is not None:
        buds = [(str(budget_file), load_budget(None, budget_file))] + [(b, load_budget(b, None)) for b in budgets or []]
    else:
        buds = [(b, load_budget(b, None)) for b in budgets] if budgets else [("", Budget())]
    base: dict[str, Any] = {"sandbox": sandbox, "api_base": api_base, "price": price}
    return make_arms(kind, modes=modes, ks=ks, budgets=buds, models=models, options=options, pipeline_for=pipeline_for,
                     base=base, plan=plan, seeds=seeds)


def serving_one(models: list[str], api_base: str | None, serve: bool):
    """`--serve` on a bench: one vLLM server for the run's one model (agents.serve.serving)."""
    from agents.serve import serving

    if serve and len(models) != 1:
        raise ConfigError(f"--serve starts one server: give one --model (got {len(models)})")
    return serving(models[0] if models else DEFAULT_MODEL, api_base, serve)


def import_plugins(modules: list[str] | None) -> list[str]:
    """Import each --plugin module here (it registers a kind or provides a model); the runner's workers
    import them too (the returned list)."""
    for mod in modules or []:
        try:
            importlib.import_module(mod)
        except ImportError as exc:
            raise ConfigError(f"cannot import --plugin {mod}: {exc}") from None
    return list(modules or [])


def parse_options(items: list[str] | None) -> dict[str, Any]:
    """KEY=VALUE pipeline options; a value that reads as JSON (3, 0.5, true) is that value, else the text."""
    out: dict[str, Any] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or key.strip() in ("k", "mode"):
            raise ConfigError(f"bad --option {item!r}: give KEY=VALUE (k and mode have their own flags)")
        try:
            out[key.strip()] = json.loads(value)
        except ValueError:
            out[key.strip()] = value
    return out


def _ints(items: list[str], what: str) -> list[int]:
    try:
        return [int(x) for x in items]
    except ValueError:
        raise ConfigError(f"bad {what} {','.join(items)!r}: give whole numbers, e.g. 0,1,2") from None


def execute(kind: str, spec: dict[str, Any], arms: list, *, out: Path, executor: str, workers: int | None,
            timeout: float | None, address: str | None, as_json: bool, label: str,
            retry_errors: bool = False, preload: list[str] | None = None, batch: Any = None) -> dict[str, Any]:
    """The kind's tasks (its `bench_tasks(spec)`) over `arms` through the runner, with the progress bar."""
    from agents.bench.drive import drive
    from agents.bench.runner import plan_tasks

    return drive(kind, plan_tasks(kind, spec), arms, out=out, executor=executor, workers=workers, timeout=timeout,
                 address=address, label=label, quiet=as_json, retry_errors=retry_errors, preload=preload, batch=batch)


def per_task(out: Path) -> dict[str, list[dict[str, Any]]]:
    from agents.bench.store import open_existing

    store = open_existing(out)
    try:
        rows: dict[str, list] = {}
        for r in store.tasks():
            rows.setdefault(r["arm_id"], []).append(
                {"task_id": r["task_id"], "status": r["status"], "success": r["success"], "cost_usd": r["cost_usd"],
                 "tokens": r["input_tokens"] + r["output_tokens"], "model_calls": r["model_calls"],
                 "steps": r["steps"], "wall_s": r["wall_s"], "error": r["error"], "score": r["score"]})
        return rows
    finally:
        store.close()


def print_summary(summary: dict[str, Any], title: str) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from agents.redact import redact

    con = Console()
    table = Table(title=title)
    for col in ("arm", "success", "ok/tasks", "error", "timeout", "unified cost $", "tokens", "model calls", "wall s"):
        table.add_column(col)
    for arm, s in summary["arms"].items():
        table.add_row(escape(arm), f"{s['success_rate']:.0%}", f"{s['succeeded']}/{s['tasks']}", str(s["error"]),
                      str(s["timeout"]), f"{s['cost_usd']:.6f}", str(s["input_tokens"] + s["output_tokens"]),
                      str(s["model_calls"]), f"{s['wall_s']:.1f}")
    con.print(table)
    for arm, rows in (summary.get("per_task") or {}).items():
        for t in rows:
            if t["status"] in ("error", "timeout"):
                con.print(f"  [red]{t['status']}[/] {escape(arm)} {escape(t['task_id'])}: "
                          f"{escape(redact(t['error'] or '')[:150])}", highlight=False)
    con.print(f"results in {summary['store']}; `scaleagent report {summary['out']} --html report.html` draws them")


def bench_kind(
    kind: str = typer.Argument(..., help="A registered pipeline (humaneval, swe, web, gui, …)"),
    source: Optional[Path] = typer.Option(None, "--source", help="The kind's task file (swe: SWE-bench instances JSONL)"),
    ids: Optional[str] = typer.Option(None, "--ids", help="Comma-separated task ids (default: all)"),
    tasks: Optional[str] = typer.Option(None, "--tasks", help="Comma-separated task names (gui: MiniWoB++ tasks)"),
    seeds: Optional[str] = typer.Option(None, "--seeds", help="Comma-separated seeds per task (gui)"),
    limit: Optional[int] = typer.Option(None, "--limit", min=1, help="Number of tasks (kinds with a built-in set)"),
    offset: int = typer.Option(0, "--offset", min=0, help="First task index (kinds with a built-in set)"),
    mode: Optional[str] = typer.Option(None, "--mode", help="Modes to sweep, e.g. single,best_of_n,scaled"),
    k: Optional[str] = typer.Option(None, "--k", help="Candidates per step to sweep, e.g. 1,2,4,8 (default 4)"),
    budget: Optional[list[str]] = typer.Option(None, "--budget", "-b", help="Per-task caps; repeat to sweep budgets"),
    budget_file: Optional[Path] = typer.Option(None, "--budget-file", help="YAML file with a budget mapping"),
    batch_budget: Optional[str] = typer.Option(None, "--batch-budget", help=BATCH_HELP),
    model: Optional[list[str]] = typer.Option(None, "--model", "-m", help="Model(s) to sweep: repeat or a,b"),
    workers: Optional[int] = typer.Option(None, "--workers", "-j", min=1, help="Concurrent tasks (default: CPUs; 1 for local/ models)"),
    timeout: Optional[float] = typer.Option(None, "--timeout", min=1, help="Seconds one task may run (then it is stopped: timeout)"),
    executor: str = typer.Option("local", "--executor", help="local (worker processes) | ray"),
    address: Optional[str] = typer.Option(None, "--address", help="Ray cluster address (ray://HEAD:10001 or auto)"),
    option: Optional[list[str]] = typer.Option(None, "--option", "-o", help="A pipeline option KEY=VALUE (e.g. edit_format=search_replace); repeat"),
    plugin: Optional[list[str]] = typer.Option(None, "--plugin", help="A module to import first (registers a kind)"),
    retry_errors: bool = typer.Option(False, "--retry-errors", help="Run tasks that ended in error or timeout again"),
    sandbox: str = typer.Option(DEFAULT_SANDBOX, "--sandbox", help="bwrap | docker | local"),
    api_base: Optional[str] = typer.Option(None, "--api-base", help="Base URL of an OpenAI-compatible server"),
    price: Optional[str] = typer.Option(None, "--price", help="IN,OUT dollars per million tokens"),
    out: Optional[Path] = typer.Option(None, "--out", help="Output directory (resumable: rerun the same command)"),
    plan: Optional[Path] = typer.Option(None, "--plan", help="Allocation plan YAML for every arm (per-stage share, k, temperature, model)"),
    serve: bool = typer.Option(False, "--serve", help="Start a vLLM server for the (one, hosted_vllm/…) model and stop it after"),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object on stdout (progress goes to stderr)"),
) -> None:
    """Benchmark any registered pipeline: every --mode × --k × --budget × --model is an arm; results go to
    OUT/results.sqlite as tasks finish; rerun the same command to resume after a kill."""
    from agents import pipelines
    from agents.bench import parse_ks, split_list
    from agents.bench.batch import parse_batch
    from agents.bench.progress import say

    preload = import_plugins(plugin)
    batch = parse_batch(batch_budget)
    if kind not in pipelines.names():
        raise ConfigError(f"unknown benchmark {kind!r}: choose one of {', '.join(pipelines.names())}")
    models = split_list(model, "--model") or [DEFAULT_MODEL]
    spec = {"source": str(source) if source else None, "ids": split_list(ids, "--ids") or None, "limit": limit,
            "offset": offset, "timeout": timeout, "tasks": split_list(tasks, "--tasks") or None,
            "seeds": _ints(split_list(seeds, "--seeds"), "--seeds") or None, "sandbox": sandbox,
            "say": say}
    out = out or Path("runs") / f"bench-{kind}-{time.strftime('%Y%m%d-%H%M%S')}"
    with serving_one(models, api_base, serve) as api_base:
        arms = sweep(kind, modes=split_list(mode, "--mode"), ks=parse_ks(k), budgets=budget, budget_file=budget_file,
                     models=models, sandbox=sandbox, api_base=api_base, price=price, options=parse_options(option),
                     plan=plan)
        summary = execute(kind, spec, arms, out=out, executor=executor, workers=workers, timeout=timeout,
                          address=address, as_json=as_json, label=kind, retry_errors=retry_errors, preload=preload,
                          batch=batch)
    summary["per_task"] = per_task(out)
    if as_json:
        emit_json(summary)
    else:
        print_summary(summary, f"{kind}, {summary['tasks']} tasks")


def bench_humaneval(*, limit: int, offset: int, ids: list[str] | None, mode: str, model: str,
                    budgets: list[str] | None, budget_file: Path | None = None, k: str, sandbox: str, out: Path, api_base: str | None,
                    price: str | None, as_json: bool, workers: int | None = None, timeout: float | None = None,
                    executor: str = "local", address: str | None = None, plan: Path | None = None,
                    serve: bool = False, batch_budget: str | None = None, seed: str = "0") -> None:
    """HumanEval through the runner; the summary keeps the fields `bench humaneval` always had (per arm:
    tasks, passed, pass_rate, cost_usd, tokens, model_calls, wall_s, error, error_ids, per_task)."""
    from agents.bench import parse_ks, split_list
    from agents.bench.arms import parse_seeds
    from agents.bench.batch import parse_batch
    from agents.bench.seeds import describe, over_seeds

    batch = parse_batch(batch_budget)
    seeds = parse_seeds(seed, "--seed")
    modes = ["single", "scaled"] if mode == "both" else split_list(mode, "--mode")
    for m in modes:
        if m not in ("single", "best_of_n", "scaled"):
            raise ConfigError(f"bad --mode {m!r}: choose single, best_of_n, scaled (a list) or both")
    models = split_list(model, "--model")
    spec = {"ids": ids, "limit": None if ids else limit, "offset": offset}
    with serving_one(models, api_base, serve) as api_base:
        arms = sweep("humaneval", modes=modes, ks=parse_ks(k), budgets=budgets, budget_file=budget_file, models=models,
                     sandbox=sandbox, api_base=api_base, price=price, plan=plan, seeds=seeds)
        summary = execute("humaneval", spec, arms, out=out, executor=executor, workers=workers, timeout=timeout,
                          address=address, as_json=as_json, label="humaneval", batch=batch)
    rows = per_task(out)
    for arm_id, s in summary["arms"].items():
        tasks = [{"task_id": t["task_id"], "passed": t["success"], "cost_usd": t["cost_usd"], "tokens": t["tokens"],
                  "model_calls": t["model_calls"], "steps": t["steps"], "wall_s": t["wall_s"],
                  "status": "error" if t["status"] in ("error", "timeout") else t["score"].get("run_status", t["status"]),
                  "detail": t["error"] or t["score"].get("grade", "")} for t in rows.get(arm_id, [])]
        s |= {"passed": s["succeeded"], "pass_rate": s["success_rate"], "tokens": s["input_tokens"] + s["output_tokens"],
              "error": sum(t["status"] == "error" for t in tasks),
              "error_ids": [t["task_id"] for t in tasks if t["status"] == "error"], "per_task": tasks}
    ks = sorted({a.k for a in arms})
    result = summary | {"benchmark": "humaneval", "model": model, "k": ks[0] if len(ks) == 1 else ks,
                        "budget": arms[0].budget}
    cells = over_seeds(arms, summary["arms"], "passed")
    if cells:
        result["over_seeds"] = cells

    write_atomic(out / "summary.json", json.dumps(result, indent=2))
    if as_json:
        emit_json(result)
    else:
        print_summary(summary | {"per_task": rows}, f"HumanEval, {summary['tasks']} problems, {model}")
        for cell, row in cells.items():
            print(describe(cell, row, "passed"))


def with_errors(outcomes: list, arm_dir: Path) -> dict[str, Any]:
    """Rows of `agents.humaneval.run_suite` outcomes where a run whose model calls all failed (status
    "failed") is scored `error` with its first error (the runner's cells do the same via
    `pipelines.failure`), and the error count."""
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
