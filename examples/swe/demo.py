"""`make demo`: what test-time scaling buys on one real bug. Build an example repository, fix its
issue with the embedded local model twice: one greedy attempt (`--mode single`), then the scaled
pipeline under a budget; grade both patches on the hidden tests and print what each spent.

    python examples/swe/demo.py [--id lrukit-1] [--model local/qwen2.5-coder-1.5b] [--budget ...]
                                [--mode best_of_n|scaled] [--plan FILE] [--seed N] [--no-single]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.syntax import Syntax
from rich.table import Table

from agents.cli_solve import checks_line
from agents.cli_support import progress_printer
from agents.errors import ScaleAgentError
from agents.models.registry import get_model
from agents.paths import id_path
from agents.swe import load_instances, solve_instance
from agents.swe.grading import grade
from budgets import Budget, BudgetError
from budgets.plan import Plan

HERE = Path(__file__).resolve().parent
# lrukit-1: `cache_clear()` keeps the hit/miss counters. The 1.5B model's one greedy attempt adds an
# unused `reset_info()` instead of fixing `clear()`; sampled patches checked against its own
# reproduction tests and the repository's tests find the fix; demo_plan.yaml sends all K patch
# samples to the file the localization votes agree on. K=6 (6 localization votes, 6 patches): at K=4
# the code of 2026-12-05 resolved 3 of 5 seeds (two seeds' 3 votes put decorator.py first or nearly
# so, and half the patches went there, where every reply echoed the example), at K=6 4 of 5
# (5 of 5 on 2026-12-08's code, with greedy-first localization: README). No `seconds` cap by
# default: a budget's caps are split over the stages by share, so 7 minutes left localization 42 s,
# which a busy machine cannot meet (the run then had nothing to patch); the token cap bounds the
# time instead.
DEFAULTS = dict(id="lrukit-1", model="local/qwen2.5-coder-1.5b", budget="tokens=24k,run_tests=32",
                mode="best_of_n", k=6)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--id", default=DEFAULTS["id"], help="instance id from examples/swe/instances.jsonl")
    ap.add_argument("--model", default=DEFAULTS["model"])
    ap.add_argument("--budget", default=DEFAULTS["budget"], help="the scaled run's budget")
    ap.add_argument("--mode", default=DEFAULTS["mode"], choices=["single", "best_of_n", "scaled"],
                    help="the scaled arm's mode (single: only one attempt)")
    ap.add_argument("--k", type=int, default=DEFAULTS["k"])
    ap.add_argument("--plan", type=Path, default=HERE / "demo_plan.yaml",
                    help="allocation plan YAML for the scaled arm (default: demo_plan.yaml, the patch stage's focus rule)")
    ap.add_argument("--seed", type=int, default=0, help="base seed of the sampled calls (greedy ones ignore it)")
    ap.add_argument("--no-single", action="store_true", help="skip the one-attempt baseline")
    # its own directory: `build.py --only` writes an instances file holding only that instance
    ap.add_argument("--out", default=str(HERE / "build" / "demo"))
    a = ap.parse_args()
    con = Console()
    chosen = bool(os.environ.get("SCALEAGENT_LLAMA_THREADS", "").strip())
    threads = _llama_threads()
    con.print(f"llama threads: {threads} of {os.cpu_count()} cores ("
              + ("$SCALEAGENT_LLAMA_THREADS" if chosen else "the cores other work leaves free now") + ")",
              highlight=False)
    try:
        budget, plan = Budget.parse(a.budget), Plan.load(a.plan) if a.plan else None
    except BudgetError as e:  # PlanError is one too
        print(f"demo: {e}", file=sys.stderr)
        return 2
    if a.model.startswith("local/"):
        get_model(a.model)  # an unknown or missing model stops here (ModelNotFound), not as stage errors
    built = subprocess.run([sys.executable, str(HERE / "build.py"), "--out", a.out, "--only", a.id],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if built.returncode:
        print(f"demo: could not build {a.id}: {(built.stderr.strip().splitlines() or ['?'])[-1]}", file=sys.stderr)
        return 2
    inst = next(i for i in load_instances(Path(a.out) / "instances.jsonl") if i.instance_id == a.id)
    con.rule(f"[bold]{inst.instance_id}[/]")
    con.print(inst.problem_statement.strip()[:1200])
    arms = ([("single", "single", None)] if not a.no_single and a.mode != "single" else []) + [(a.mode, a.mode, budget)]
    rows, models = [], {}
    for label, mode, bud in arms:
        con.rule(f"{label}: " + ("one greedy attempt" if mode == "single" else f"{mode}, budget {a.budget}"))
        run_dir = id_path(Path("runs"), f"demo-{time.strftime('%Y%m%d-%H%M%S')}-{inst.instance_id}-{label}-s{a.seed}")
        res = asyncio.run(solve_instance(inst, model=a.model, budget=bud, run_dir=run_dir, mode=mode, k=a.k,
                                         on_event=progress_printer(False), models=models, seed=a.seed,
                                         plan=plan if mode != "single" else None))
        con.print(Syntax(res.model_patch, "diff", theme="ansi_dark") if res.model_patch else "[yellow](no patch)[/]")
        report = grade(inst, res.model_patch)
        line = checks_line(res)
        if line:
            con.print(line)
        colour = {"resolved": "green", "unresolved": "red"}.get(report.status, "yellow")
        con.print(f"hidden tests: [{colour}]{report.status}[/] {report.reason or ''}")
        con.print(f"time by stage: {_stage_times(run_dir)}", highlight=False)
        rows.append((label, report.status, res, run_dir))
    _summary(con, rows, a.model)
    return 0


def _summary(con: Console, rows: list, model: str) -> None:
    con.rule("what scaling bought")
    table = Table()
    for col in ("arm", "hidden tests", "tokens", "model calls", "test runs", "unified cost", "wall"):
        table.add_column(col)
    for label, status, res, _ in rows:
        s = res.spend
        table.add_row(label, status, f"{s['input_tokens'] + s['output_tokens']:,}", str(s["model_calls"]),
                      str(s["tool_calls"].get("run_tests", 0)), f"${s['cost_usd']:.4f}", f"{res.wall_s:.0f}s")
    con.print(table)
    done = {label: status == "resolved" for label, status, _, _ in rows}
    scaled = rows[-1][0]
    if "single" in done and not done["single"] and done[scaled]:
        con.print(f"[green]The same model ({model}) failed with one attempt and resolved the issue with "
                  f"{scaled}[/]: {_tokens(rows[-1])} tokens instead of {_tokens(rows[0])}.")
    elif done.get("single") and done[scaled]:
        con.print("[yellow]Both resolved it: here one attempt was enough and scaling bought nothing.[/]")
    elif done.get("single"):
        con.print("[red]One attempt resolved it and the scaled run did not.[/]")
    elif not done[scaled]:
        con.print(f"[red]Unresolved[/] ({scaled} did not find the fix this time; try another --seed or a larger "
                  "--budget).")
    else:
        con.print(f"[green]Resolved[/] with {scaled}.")
    for label, _, _, run_dir in rows:
        con.print(f"{label}: `scaleagent report {run_dir}` shows every decision", highlight=False)


def _llama_threads() -> int:
    """Threads for the local model, unless $SCALEAGENT_LLAMA_THREADS says: the cores other work leaves
    free (llama's threads spin-wait for each other, so on a busy machine one thread per core it does
    not get makes every token wait for a descheduled thread: the single arm once took 500 s instead
    of ~65 s for 1,747 tokens beside another model run). The choice is the local backend's default
    (agents.models.local.default_threads); set here once so every arm and subprocess uses the same."""
    from agents.models.local import default_threads

    os.environ["SCALEAGENT_LLAMA_THREADS"] = str(default_threads())
    return int(os.environ["SCALEAGENT_LLAMA_THREADS"])


def _stage_times(run_dir: Path) -> str:
    """Seconds per stage (all its steps), from the run's trajectory: where the arm's time went."""
    total: dict[str, float] = {}
    path = Path(run_dir) / "trajectory.jsonl"
    for line in path.read_text().splitlines() if path.exists() else []:
        step = json.loads(line)
        total[step["stage"]] = total.get(step["stage"], 0.0) + float(step.get("duration_s") or 0.0)
    return ", ".join(f"{stage} {sec:.0f}s" for stage, sec in total.items()) or "(no trajectory)"


def _tokens(row) -> str:
    s = row[2].spend
    return f"{s['input_tokens'] + s['output_tokens']:,}"


if __name__ == "__main__":
    try:
        raise SystemExit(main())
    except ScaleAgentError as e:  # an unknown model, a model that is not installed: one line, no traceback
        print(f"demo: {e}", file=sys.stderr)
        raise SystemExit(2) from None
