"""`make demo`: build one example repository with a real bug, fix its issue with the embedded local
model through the scaled SWE pipeline, grade the patch on the hidden tests, print patch and spend.

    python examples/swe/demo.py [--id unitconv-1] [--model local/qwen2.5-coder-0.5b] [--budget ...] [--mode scaled]
"""
from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.syntax import Syntax

from agents.cli_solve import checks_line
from agents.cli_support import progress_printer
from agents.paths import id_path
from agents.swe import load_instances, solve_instance
from agents.swe.grading import grade
from budgets import Budget

HERE = Path(__file__).resolve().parent


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # unitconv-1: a one-token bug behind a two-line issue; the demo finishes in a few minutes on 2 cores
    ap.add_argument("--id", default="unitconv-1", help="instance id from examples/swe/instances.jsonl")
    ap.add_argument("--model", default="local/qwen2.5-coder-0.5b")
    ap.add_argument("--budget", default="tokens=32k,run_tests=24,seconds=10m")
    ap.add_argument("--mode", default="scaled", choices=["single", "best_of_n", "scaled"])
    ap.add_argument("--k", type=int, default=4)
    # its own directory: `build.py --only` writes an instances file holding only that instance
    ap.add_argument("--out", default=str(HERE / "build" / "demo"))
    a = ap.parse_args()
    con = Console()
    subprocess.run([sys.executable, str(HERE / "build.py"), "--out", a.out, "--only", a.id], check=True,
                   stdout=subprocess.DEVNULL)
    inst = next(i for i in load_instances(Path(a.out) / "instances.jsonl") if i.instance_id == a.id)
    con.rule(f"[bold]{inst.instance_id}[/]")
    con.print(inst.problem_statement.strip()[:1200])
    con.rule("solving")
    run_dir = id_path(Path("runs"), f"demo-{time.strftime('%Y%m%d-%H%M%S')}-{inst.instance_id}")
    res = asyncio.run(solve_instance(inst, model=a.model, budget=Budget.parse(a.budget), run_dir=run_dir,
                                     mode=a.mode, k=a.k, on_event=progress_printer(False)))
    con.rule("patch")
    con.print(Syntax(res.model_patch, "diff", theme="ansi_dark") if res.model_patch else "[yellow](no patch)[/]")
    report = grade(inst, res.model_patch)
    s = res.spend
    con.rule("result")
    line = checks_line(res)
    if line:
        con.print(line)
    colour = {"resolved": "green", "unresolved": "red"}.get(report.status, "yellow")
    con.print(f"hidden tests: [{colour}]{report.status}[/] {report.reason or ''}")
    con.print(f"spend: unified cost ${s['cost_usd']:.6f} (local model: tokens cost $0), "
              f"{s['input_tokens']}+{s['output_tokens']} tokens, {s['model_calls']} model calls, "
              f"tools {s['tool_calls']}, {res.wall_s:.0f}s wall, {res.steps} steps")
    con.print(f"run directory: {run_dir} (trajectory.jsonl, patch.diff, predictions.jsonl); "
              f"`scaleagent report {run_dir}` shows every decision")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
