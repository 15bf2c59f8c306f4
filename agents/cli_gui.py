"""`scaleagent bench gui`: MiniWoB++ episodes (tasks × seeds) through the `gui` pipeline.

Episodes run through the one benchmark runner (agents.bench; OUT/results.sqlite, workers, --timeout,
--executor ray). Each episode is one run in OUT/<task>-s<seed>/ (OUT/k<K>/<task>-s<seed>/ when --k
sweeps several values; screenshots, trajectory, viewer.html); an episode whose browser fails ends
with its reason and the bench goes on with the next. A finished episode is kept in the store and not
run again, so a killed bench continues where it stopped.
"""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Optional

import typer

from agents.cli_support import emit_json
from agents.config import DEFAULT_MODEL, load_budget
from agents.bench.arms import parse_seeds
from agents.errors import ConfigError


def read_tasks(tasks: str | None, tasks_file: Path | None) -> list[str]:
    names = [t.strip() for t in (tasks or "").split(",") if t.strip()]
    if tasks_file is not None:
        try:
            lines = tasks_file.read_text().splitlines()
        except OSError as e:
            raise ConfigError(f"cannot read --tasks-file {tasks_file}: {e.strerror}") from None
        names += [ln.split("#")[0].strip() for ln in lines if ln.split("#")[0].strip()]
    if not names:
        raise ConfigError("give the MiniWoB++ tasks: --tasks click-test,enter-text or --tasks-file FILE")
    return names


def run_bench(cfgs: list[dict[str, Any]], base: dict[str, Any], out: Path, on_episode=None,
              models: dict | None = None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Every episode config (task × seed) through the benchmark runner (agents.gui.bench_runner.run_bench)."""
    from agents.gui.bench_runner import run_bench as run

    return run(cfgs, base, out, on_episode, models)


def bench_gui(
    tasks: Optional[str] = typer.Option(None, "--tasks", help="Comma-separated MiniWoB++ task names (any the miniwob package ships)"),
    tasks_file: Optional[Path] = typer.Option(None, "--tasks-file", help="A file of task names, one a line (# comments)"),
    seeds: str = typer.Option("0-4", "--seeds", help="Seeds: 0-4, or 0,2,5"),
    k: str = typer.Option("4", "--k", help="Action proposals per step (1: no vote, no judge); a list (1,4) sweeps: one arm each"),
    select: str = typer.Option("vote", "--select", help="vote (identical actions vote, the judge breaks ties) | judge"),
    max_actions: int = typer.Option(10, "--max-actions", min=1, help="Actions per run (all episodes)"),
    max_pivots: int = typer.Option(1, "--max-pivots", min=0, help="Episode resets allowed per run"),
    model: str = typer.Option(DEFAULT_MODEL, "--model", "-m", help="local/<name>, or any litellm model id"),
    budget: Optional[str] = typer.Option(None, "--budget", "-b", help="Caps per task × seed run, e.g. tokens=20k,seconds=5m"),
    budget_file: Optional[Path] = typer.Option(None, "--budget-file", help="YAML file with a budget mapping"),
    step_budget: Optional[str] = typer.Option(None, "--step-budget", help="Caps per action, e.g. tokens=3k"),
    out: Optional[Path] = typer.Option(None, "--out", help="Output directory (resumable: rerun the same command)"),
    workers: Optional[int] = typer.Option(None, "--workers", "-j", min=1, help="Concurrent episodes (default: CPUs; 1 for local/ models)"),
    timeout: Optional[float] = typer.Option(None, "--timeout", min=1, help="Seconds one episode may run (then it is stopped: timeout)"),
    executor: str = typer.Option("local", "--executor", help="local (worker processes) | ray"),
    address: Optional[str] = typer.Option(None, "--address", help="Ray cluster address (ray://HEAD:10001 or auto)"),
    retry_errors: bool = typer.Option(False, "--retry-errors", help="Run episodes that ended in error or timeout again"),
    plugin: Optional[list[str]] = typer.Option(None, "--plugin", help="A module every worker imports first (e.g. one that provides a model)"),
    api_base: Optional[str] = typer.Option(None, "--api-base", help="Base URL of an OpenAI-compatible server"),
    price: Optional[str] = typer.Option(None, "--price", help="IN,OUT dollars per million tokens"),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object on stdout (progress goes to stderr)"),
) -> None:
    """MiniWoB++ in headless Chromium: success rate and unified cost over tasks × seeds (one runner:
    OUT/results.sqlite, `scaleagent report OUT --html`; each --k value is an arm)."""
    from rich.console import Console

    from agents import pipelines
    from agents.bench import parse_ks
    from agents.bench.drive import arm_dir, arm_layout, drive
    from agents.gui.bench_runner import arm_results, gui_arm
    from agents.cli_bench import import_plugins
    from agents.config import runtime_config
    from agents.trajectory import write_atomic
    from budgets import Budget

    if select not in ("vote", "judge"):
        raise ConfigError(f"bad --select {select!r}: choose vote or judge")
    if step_budget:
        Budget.parse(step_budget)
    from agents.bench.drive import check_executor

    check_executor(executor, address)
    preload = import_plugins(plugin)
    ks = parse_ks(k)
    cfgs = pipelines.get("gui").bench_tasks({"tasks": read_tasks(tasks, tasks_file), "seeds": parse_seeds(seeds)})
    bud = load_budget(budget, budget_file)
    arms = []
    for kk in ks:
        options = {"k": kk, "select": select, "max_actions": max_actions, "max_pivots": max_pivots,
                   "step_budget": step_budget}
        base = runtime_config(pipeline="gui", options=options, model=model, budget=bud, sandbox="local",
                              api_base=api_base, price=price, check=not _provided(model))
        arms.append(gui_arm(base, f"k{kk}", budget or (str(budget_file) if budget_file else "")))
    out = out or Path("runs") / f"gui-{time.strftime('%Y%m%d-%H%M%S')}"
    drive("gui", cfgs, arms, out=out, executor=executor, workers=workers, timeout=timeout, address=address,
          preload=preload, run_dir_for=arm_layout(out, arms, flat_single=True), label="gui", quiet=as_json,
          retry_errors=retry_errors)
    results = arm_results(out, arms, cfgs)
    for arm, summary, rows in results:
        where = out if len(arms) == 1 else arm_dir(out, arm.arm_id)
        write_atomic(where / "summary.json", json.dumps(summary, indent=2))
        write_atomic(where / "episodes.json", json.dumps(rows, indent=2))
    if as_json:
        emit_json(results[0][1] if len(results) == 1 else
                  {"arms": [{"arm": a.arm_id, "k": a.k} | s for a, s, _ in results], "out": str(out)})
        return
    from rich.markup import escape

    con = Console()
    for arm, summary, rows in results:
        for r in rows:
            con.print(f"{'[green]ok  [/]' if r['success'] else '[red]fail[/]'} {escape(arm.arm_id)} {r['task']}:{r['seed']} "
                      f"reward {r['reward']:g}, {r['steps']} actions — {escape(str(r.get('reason', ''))[:100])}",
                      highlight=False)
        s = summary["spend"]
        con.print(f"{escape(arm.arm_id)}: success {summary['successes']}/{summary['total']} ({summary['success_rate']:.0%}), "
                  f"unified cost ${s['cost_usd']:.6f}, {s['input_tokens']}+{s['output_tokens']} tokens, "
                  f"{s['model_calls']} model calls, {s['wall_s']:.0f}s", highlight=False)
    con.print(f"viewers and summary.json in {out}; `scaleagent report {out} --html report.html` draws every arm")


def _provided(model: str) -> bool:
    from agents.bench.cell import provided_models

    return model in provided_models()


def register(app: typer.Typer, bench_app: typer.Typer) -> None:
    bench_app.command("gui")(bench_gui)
