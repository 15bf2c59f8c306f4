"""What test-time scaling buys on the SWE example suite: one attempt vs. best-of-N vs. the
budget-aware controller, per model and budget: solve rate and unified cost of each cell.

    python benchmarks/swe_scaling.py --models local/qwen2.5-coder-0.5b --budgets tokens=30k,tokens=60k \
        --modes single,best_of_n,scaled [--ids spans-1,wraptext-1] [--out runs/swe-scaling] [--json]
        [--plans uniform=plan.uniform.yaml,tuned=plan.yaml --modes ...,scaled+uniform,scaled+tuned]
        [--plot pareto.png]

Each cell is `scaleagent bench swe` (resumable: rerunning skips finished instances). Budgets are
separated by '/' when they hold commas, e.g. --budgets "tokens=30k,run_tests=20/tokens=60k,run_tests=40".
Local models cost $0 per token, so the unified cost is priced with --price (default: 0.1,0.4 dollars
per million input/output tokens, a small API model's price) to make cells comparable; `MODEL=IN,OUT`
entries separated by ';' price each model a plan's stages use. A mode `scaled+NAME` is the scaled
pipeline with the allocation plan --plans names NAME (e.g. the uniform split and the tuned plan
that `scaleagent tune --method compare` writes). --plot writes the report's Pareto plot (solve
rate vs unified cost per cell) as a PNG.
"""
from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--instances", default=str(ROOT / "examples/swe/instances.jsonl"))
    ap.add_argument("--models", default="local/qwen2.5-coder-0.5b")
    ap.add_argument("--budgets", default="tokens=30k,run_tests=20/tokens=60k,run_tests=40/tokens=120k,run_tests=80")
    ap.add_argument("--modes", default="single,best_of_n,scaled")
    ap.add_argument("--ids", default=None, help="comma-separated instance ids (default: all)")
    ap.add_argument("--k", type=int, default=4)
    ap.add_argument("--price", default="0.1,0.4")
    ap.add_argument("--out", default="runs/swe-scaling")
    ap.add_argument("--plans", default="", help="NAME=PLAN.yaml,... for modes scaled+NAME")
    ap.add_argument("--plot", default=None, help="write the Pareto plot (resolved vs unified cost) here (PNG)")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    items = [item.strip() for item in a.plans.split(",") if item.strip()]
    if any("=" not in item for item in items):
        ap.error(f"bad --plans {a.plans!r}: give NAME=FILE entries separated by ','")
    plans = dict(item.split("=", 1) for item in items)
    for mode in a.modes.split(","):
        if "+" in mode and (mode.split("+", 1)[0] != "scaled" or mode.split("+", 1)[1] not in plans):
            ap.error(f"mode {mode!r}: a plan mode is scaled+NAME with NAME=FILE in --plans")
    from budgets.plan import Plan

    for file in plans.values():  # a bad plan stops the sweep before any cell runs
        Plan.load(file)

    from agents.cli_support import load_budget
    from agents.swe.bench import run_bench_swe

    budgets = a.budgets.split("/") if "/" in a.budgets else a.budgets.split(";")
    rows = []
    for model in a.models.split(","):
        for budget in budgets:
            for mode in a.modes.split(","):
                # one attempt is one attempt: its budget does not matter, run it once per model
                if mode == "single" and budget != budgets[0]:
                    continue
                cell = Path(a.out) / _slug(model) / (_slug(budget) if mode != "single" else "any") / mode
                plan = plans.get(mode.partition("+")[2]) if "+" in mode else None
                s = run_bench_swe(Path(a.instances), out=cell, model=model, budget=load_budget(budget, None),
                                  mode=mode.partition("+")[0], k=a.k, price=a.price, plan=plan,
                                  ids=a.ids.split(",") if a.ids else None)
                rows.append({"model": model, "budget": budget if mode != "single" else "-", "mode": mode,
                             "resolved": s["resolved"], "total": s["total"], "errors": s["error"],
                             "solve_rate": round(s["resolved"] / max(1, s["total"]), 3),
                             "cost_usd": s["spend"]["cost_usd"],
                             "tokens": s["spend"].get("input_tokens", 0) + s["spend"].get("output_tokens", 0),
                             "wall_s": s.get("wall_s")})
    if a.plot:
        plot(rows, Path(a.plot))
    if a.json:
        print(json.dumps({"benchmark": "swe_scaling", "rows": rows}))
        return
    print("| model | budget | mode | resolved | solve rate | unified cost $ | tokens | wall s |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['model']} | {r['budget']} | {r['mode']} | {r['resolved']}/{r['total']} | {r['solve_rate']:.0%} "
              f"| {r['cost_usd']:.4f} | {r['tokens']} | {r['wall_s']} |")


def plot(rows: list[dict], png: Path) -> None:
    """The report's Pareto plot (agents.bench.plots) of the cells: solve rate vs unified cost per instance."""
    from agents.bench.plots import pareto_figure

    many = len({r["model"] for r in rows}) > 1
    arms = [{"arm_id": f"{r['mode']} {r['budget'].split(',')[0]}" + (f" {r['model'].split('/')[-1]}" if many else ""),
             "success_rate": r["resolved"] / max(1, r["total"]), "mean_cost_usd": r["cost_usd"] / max(1, r["total"]),
             "mean_tokens": r.get("tokens", 0) / max(1, r["total"])} for r in rows]
    png.parent.mkdir(parents=True, exist_ok=True)
    pareto_figure(arms).savefig(png, dpi=100, bbox_inches="tight")


def _slug(text: str) -> str:
    return re.sub(r"[^\w.-]+", "_", text)


if __name__ == "__main__":
    from agents.errors import ScaleAgentError
    from budgets.errors import BudgetError

    try:
        main()
    except (ScaleAgentError, BudgetError, OSError) as exc:  # bad input: one line, no traceback
        raise SystemExit(f"swe_scaling: error: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")
