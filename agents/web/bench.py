"""`scaleagent bench web`: every question of a file through the web pipeline, for each (budget, arm)
cell; a summary per cell and a plot of accuracy against unified cost over every cell under --out.

A cell is OUT/<arm>-<budget>/: one run directory per question, rows.jsonl (one line per finished
question: a killed bench continues where it stopped) and summary.json (rewritten after every
question, over the questions finished so far):
{"total", "correct", "accuracy", "spend": {...}, "per_question": [{"id", "correct", "answer"}], ...}.
"""
from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

from budgets import Budget

from agents.paths import id_path

SPEND_KEYS = ("cost_usd", "token_usd", "tool_usd", "input_tokens", "output_tokens", "model_calls")


def cell_name(budget: Budget, tracker: bool) -> str:
    slug = re.sub(r"[^A-Za-z0-9=.,_-]+", "_", budget.describe()).replace(",", "_")
    return f"{'tracker' if tracker else 'no-tracker'}-{slug}"


def _rows(path: Path) -> dict[str, dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    if path.is_file():
        for line in path.read_text().splitlines():
            try:
                row = json.loads(line)
                rows[str(row["id"])] = row
            except (json.JSONDecodeError, KeyError, TypeError):
                continue  # a line cut by a kill: that question runs again
    return rows


async def run_question(q: dict[str, Any], base: dict[str, Any], budget: Budget, tracker: bool, out: Path,
                       models: dict[str, Any]) -> dict[str, Any] | None:
    """Run one question in one cell unless its row is already there; returns the new row."""
    from agents import pipelines
    from agents.config import build_runtime

    cell = out / cell_name(budget, tracker)
    cell.mkdir(parents=True, exist_ok=True)
    if q["id"] in _rows(cell / "rows.jsonl"):
        return None
    cfg = {**base, "budget": budget.model_dump(), "options": {**base["options"], "tracker": tracker},
           "task_id": q["id"], "question": q["question"], "answers": q["answers"]}
    run_dir = id_path(cell, q["id"])
    if run_dir.exists():  # a run killed before its row was written: start it again
        import shutil

        shutil.rmtree(run_dir)
    rt = build_runtime(cfg, models=models)
    result, extra = await pipelines.execute(cfg, run_dir, rt)
    row = {"id": q["id"], "correct": bool(extra.get("correct")), "answer": extra.get("answer", ""),
           "verified": bool(extra.get("verified")), "sources": extra.get("sources", []),
           "reason": extra.get("reason", ""), "status": result.status, "wall_s": result.wall_s,
           "spend": result.spend}
    with (cell / "rows.jsonl").open("a") as f:
        f.write(json.dumps(row) + "\n")
    return row


def cell_summary(questions: list[dict[str, Any]], budget: Budget, tracker: bool, out: Path) -> dict[str, Any]:
    """The summary of the questions of `questions` this cell has finished (also written to summary.json)."""
    cell = out / cell_name(budget, tracker)
    done = _rows(cell / "rows.jsonl")
    summary = summarize([done[q["id"]] for q in questions if q["id"] in done], budget, tracker)
    cell.mkdir(parents=True, exist_ok=True)
    (cell / "summary.json").write_text(json.dumps(summary, indent=2))
    return summary


def summarize(rows: list[dict[str, Any]], budget: Budget, tracker: bool) -> dict[str, Any]:
    total, correct = len(rows), sum(1 for r in rows if r["correct"])
    spend: dict[str, Any] = {k: 0 for k in SPEND_KEYS}
    tools: dict[str, int] = {}
    for r in rows:
        s = r.get("spend") or {}
        for k in SPEND_KEYS:
            spend[k] += s.get(k, 0)
        for t, n in (s.get("tool_calls") or {}).items():
            tools[t] = tools.get(t, 0) + n
    spend = {k: round(v, 6) if isinstance(v, float) else v for k, v in spend.items()}
    spend["tool_calls"] = tools
    spend["cost_usd_per_question"] = round(spend["cost_usd"] / total, 6) if total else 0.0
    spend["wall_s"] = round(sum(r.get("wall_s", 0) for r in rows), 1)
    return {"total": total, "correct": correct, "accuracy": round(correct / total, 4) if total else 0.0,
            "spend": spend, "per_question": [{"id": r["id"], "correct": r["correct"], "answer": r["answer"]}
                                             for r in rows],
            "budget": budget.describe(), "tracker": tracker, "verified": sum(1 for r in rows if r.get("verified"))}


def run_bench(questions: list[dict[str, Any]], base: dict[str, Any], budgets: list[Budget], arms: list[bool],
              out: Path, models: dict[str, Any], on_row=None) -> list[dict[str, Any]]:
    """Question by question, every cell in turn (so a bench stopped early has comparable cells);
    the summaries and the plot are rewritten after each question."""
    cells = [(b, t) for b in budgets for t in arms]

    async def all_questions() -> None:
        for q in questions:
            for b, t in cells:
                row = await run_question(q, base, b, t, out, models)
                if row is not None and on_row:
                    on_row(row | {"cell": cell_name(b, t)})
            for b, t in cells:
                cell_summary(questions, b, t, out)
            plot(out, out / "accuracy_vs_cost.png")

    asyncio.run(all_questions())
    return [cell_summary(questions, b, t, out) for b, t in cells]


def plot(out: Path, png: Path) -> Path | None:
    """Accuracy vs mean unified cost per question, one line per arm, every cell under `out`."""
    cells = []
    for p in sorted(out.glob("*/summary.json")):
        try:
            cells.append(json.loads(p.read_text()))
        except (OSError, json.JSONDecodeError):
            continue
    if not cells:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for arm, style in ((True, "o-"), (False, "s--")):
        pts = sorted((c["spend"]["cost_usd_per_question"], c["accuracy"], c["budget"]) for c in cells
                     if c.get("tracker") is arm)
        if pts:
            ax.plot([p[0] for p in pts], [p[1] for p in pts], style, label="budget tracker" if arm else "no tracker")
            for x, y, b in pts:
                label = ",".join(p for p in b.split(",") if p.split("=")[0] in ("search", "open", "find")) or b
                ax.annotate(label, (x, y), fontsize=7, textcoords="offset points", xytext=(3, 3))
    ax.set_xlabel("unified cost per question ($)")
    ax.set_ylabel("accuracy")
    ax.set_ylim(-0.02, 1.02)
    ax.set_title("web QA: accuracy vs unified cost")
    ax.legend(loc="lower right")
    fig.tight_layout()
    png.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(png, dpi=100)
    plt.close(fig)
    return png
