"""`scaleagent bench gui`: MiniWoB++ episodes (tasks × seeds) through the `gui` pipeline.

Each episode is one run in OUT/<task>-s<seed>/ (screenshots, trajectory, viewer.html); an episode
whose browser fails ends with its reason and the bench goes on with the next. A finished episode is
kept (OUT/<id>/score.json) and not run again, so a killed bench continues where it stopped.
"""
from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any, Optional

import typer

from agents.cli_support import emit_json
from agents.config import DEFAULT_MODEL, load_budget
from agents.errors import ConfigError

SPEND = ("cost_usd", "input_tokens", "output_tokens", "model_calls")


def parse_seeds(text: str) -> list[int]:
    """`0-4`, `0,3,7` or `2` -> a list of seeds."""
    seeds: list[int] = []
    try:
        for part in text.split(","):
            lo, dash, hi = part.strip().partition("-")
            seeds += list(range(int(lo), int(hi) + 1)) if dash else [int(lo)]
    except ValueError:
        raise ConfigError(f"bad --seeds {text!r}: use e.g. 0-4 or 0,2,5") from None
    if not seeds or any(s < 0 for s in seeds):
        raise ConfigError(f"bad --seeds {text!r}: give non-negative seeds, e.g. 0-4")
    return seeds


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
    """Run every episode config (task × seed) in turn; return the summary and the full rows.
    `models` are shared by every episode (one loaded local model; a scripted one in tests)."""
    return asyncio.run(_run_bench(cfgs, base, out, on_episode, dict(models or {})))


async def _run_bench(cfgs: list[dict[str, Any]], base: dict[str, Any], out: Path, on_episode,
                     models: dict) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    from agents import pipelines
    from agents.config import build_runtime
    from agents.gui import envs
    from agents.paths import ensure_dir, id_path
    from agents.trajectory import write_atomic

    kind = pipelines.get("gui")
    ensure_dir(out, "--out")
    rows, spend = [], {k: 0.0 for k in SPEND} | {"wall_s": 0.0}
    for cfg in cfgs:
        run_dir = id_path(out, cfg["task_id"])
        done = run_dir / "score.json"
        if done.is_file():
            row = json.loads(done.read_text())
        else:
            started = time.time()
            row = {"task": cfg["gui_task"], "seed": cfg["seed"], "success": False, "reward": 0.0, "steps": 0}
            try:
                rt = build_runtime(base | cfg, models=models)
                models.update(rt._models)
                result, extra = await pipelines.execute(base | cfg, run_dir, rt)
                row |= kind.score(result, extra)
                row["spend"] = {k: result.spend.get(k, 0) for k in SPEND}
                row["reason"] = extra.get("error") or extra.get("reason", "")
                row["model_error"] = pipelines.failure(result)
            except asyncio.CancelledError:
                raise
            except Exception as e:  # noqa: BLE001 - one broken episode never ends the bench
                row["reason"] = f"error: {type(e).__name__}: {' '.join(str(e).split())[:200]}"
            finally:
                envs.close_all()
            row["wall_s"] = round(time.time() - started, 1)
            write_atomic(done, json.dumps(row))
        for k in SPEND:
            spend[k] += (row.get("spend") or {}).get(k, 0)
        spend["wall_s"] += row.get("wall_s", 0.0)
        rows.append(row)
        if on_episode:
            on_episode(row, rows)
    successes = sum(bool(r["success"]) for r in rows)
    spend = {k: round(v, 6) if k == "cost_usd" else (round(v, 1) if k == "wall_s" else int(v)) for k, v in spend.items()}
    return {"total": len(rows), "successes": successes, "success_rate": successes / len(rows) if rows else 0.0,
            "spend": spend, "per_episode": [{k: r[k] for k in ("task", "seed", "success", "reward", "steps")}
                                            for r in rows]}, rows


def bench_gui(
    tasks: Optional[str] = typer.Option(None, "--tasks", help="Comma-separated MiniWoB++ task names (any the miniwob package ships)"),
    tasks_file: Optional[Path] = typer.Option(None, "--tasks-file", help="A file of task names, one a line (# comments)"),
    seeds: str = typer.Option("0-4", "--seeds", help="Seeds: 0-4, or 0,2,5"),
    k: int = typer.Option(4, "--k", min=1, max=64, help="Action proposals per step (1: no vote, no judge)"),
    select: str = typer.Option("vote", "--select", help="vote (identical actions vote, the judge breaks ties) | judge"),
    max_actions: int = typer.Option(10, "--max-actions", min=1, help="Actions per run (all episodes)"),
    max_pivots: int = typer.Option(1, "--max-pivots", min=0, help="Episode resets allowed per run"),
    model: str = typer.Option(DEFAULT_MODEL, "--model", "-m", help="local/<name>, or any litellm model id"),
    budget: Optional[str] = typer.Option(None, "--budget", "-b", help="Caps per task × seed run, e.g. tokens=20k,seconds=5m"),
    budget_file: Optional[Path] = typer.Option(None, "--budget-file", help="YAML file with a budget mapping"),
    step_budget: Optional[str] = typer.Option(None, "--step-budget", help="Caps per action, e.g. tokens=3k"),
    out: Optional[Path] = typer.Option(None, "--out", help="Output directory (resumable: finished episodes are kept)"),
    api_base: Optional[str] = typer.Option(None, "--api-base", help="Base URL of an OpenAI-compatible server"),
    price: Optional[str] = typer.Option(None, "--price", help="IN,OUT dollars per million tokens"),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object on stdout (progress goes to stderr)"),
) -> None:
    """MiniWoB++ in headless Chromium: success rate and unified cost over tasks × seeds."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from agents import pipelines
    from agents.config import build_runtime, runtime_config
    from budgets import Budget

    if select not in ("vote", "judge"):
        raise ConfigError(f"bad --select {select!r}: choose vote or judge")
    if step_budget:
        Budget.parse(step_budget)
    cfgs = pipelines.get("gui").bench_tasks({"tasks": read_tasks(tasks, tasks_file), "seeds": parse_seeds(seeds)})
    options = {"k": k, "select": select, "max_actions": max_actions, "max_pivots": max_pivots,
               "step_budget": step_budget}
    base = runtime_config(pipeline="gui", options=options, model=model, budget=load_budget(budget, budget_file),
                          sandbox="local", api_base=api_base, price=price)
    pipelines.check_budget(pipelines.build("gui", options), build_runtime(base), ())
    out = out or Path("runs") / f"gui-{time.strftime('%Y%m%d-%H%M%S')}"
    con = Console(stderr=as_json)
    with Progress(TextColumn("[bold]gui[/]"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TextColumn("{task.fields[info]}"), TimeElapsedColumn(), console=con) as bar:
        job = bar.add_task("gui", total=len(cfgs), info="")

        def on_episode(row: dict[str, Any], rows: list) -> None:
            ok = sum(bool(r["success"]) for r in rows)
            bar.update(job, advance=1, info=f"{row['task']}:{row['seed']} {'ok' if row['success'] else 'fail'}  "
                                            f"success {ok}/{len(rows)}")

        summary, rows = run_bench(cfgs, base, out, on_episode)
    from agents.trajectory import write_atomic

    write_atomic(out / "summary.json", json.dumps(summary, indent=2))
    write_atomic(out / "episodes.json", json.dumps(rows, indent=2))
    if as_json:
        emit_json(summary)
        return
    from rich.markup import escape

    for r in rows:
        con.print(f"{'[green]ok  [/]' if r['success'] else '[red]fail[/]'} {r['task']}:{r['seed']} reward "
                  f"{r['reward']:g}, {r['steps']} actions — {escape(str(r.get('reason', ''))[:100])}", highlight=False)
    s = summary["spend"]
    con.print(f"success {summary['successes']}/{summary['total']} ({summary['success_rate']:.0%}), unified cost "
              f"${s['cost_usd']:.6f}, {s['input_tokens']}+{s['output_tokens']} tokens, {s['model_calls']} model calls, "
              f"{s['wall_s']:.0f}s; viewers and summary.json in {out}")


def register(app: typer.Typer, bench_app: typer.Typer) -> None:
    bench_app.command("gui")(bench_gui)
