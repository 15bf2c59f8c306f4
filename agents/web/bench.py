"""`scaleagent bench web`: every question of a file through the web pipeline, for each (budget,
tracker on/off) cell; a summary per cell and a plot of accuracy against unified cost over every cell
under --out.

The questions run through the one benchmark runner (agents.bench): each cell is an arm of
OUT/results.sqlite (so `scaleagent report OUT --html` draws them), each question a task with its run
directory OUT/<cell>/<question id>/; a killed bench continues where it stopped (rerun the same
command). OUT/<cell>/summary.json, from the store:
{"total", "correct", "accuracy", "spend": {...}, "per_question": [{"id", "correct", "answer"}], ...};
"answers" is the verifier's record over every distinct answer the cell's runs proposed
(agents.web.answer_log: verified/unverified x right/wrong, precision, recall); "read" counts the runs whose
answer is the reader's (no answer of their own verified; agents.web.reader) and how many of those are right.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from budgets import Budget


SPEND_KEYS = ("cost_usd", "token_usd", "tool_usd", "input_tokens", "output_tokens", "model_calls")


def cell_name(budget: Budget, tracker: bool) -> str:
    slug = re.sub(r"[^A-Za-z0-9=.,_-]+", "_", budget.describe()).replace(",", "_")
    return f"{'tracker' if tracker else 'no-tracker'}-{slug}"


def make_arms(base: dict[str, Any], budgets: list[Budget], trackers: list[bool]) -> list[Any]:
    """One runner arm per (budget, tracker) cell, named like its directory (cell_name)."""
    from agents.bench.arms import Arm

    arms = []
    for b in budgets:
        for t in trackers:
            cfg = base | {"budget": b.model_dump(), "options": {**base["options"], "tracker": t}}
            arms.append(Arm(arm_id=cell_name(b, t), kind="web", mode="tracker" if t else "no-tracker",
                            k=int(base["options"].get("k", 1)), budget=b.describe(), model=str(base["model"]),
                            config=cfg))
    return arms


def fragments(questions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"task_id": q["id"], "question": q["question"], "answers": q["answers"]} for q in questions]


def _row(t: dict[str, Any]) -> dict[str, Any]:
    """A question's row from its store row (token_usd / tool_usd from the task's own row file)."""
    from agents.bench.cell import read_row

    spend = {k: t.get(k, 0) for k in ("cost_usd", "input_tokens", "output_tokens", "model_calls")}
    kept = (read_row(Path(t["run_dir"])) or {}).get("spend") or {} if t.get("run_dir") else {}
    spend |= {k: kept.get(k, 0) for k in ("token_usd", "tool_usd")} | {"tool_calls": t.get("tool_calls") or {}}
    score = t.get("score") or {}
    return {"id": t["task_id"], "correct": bool(t["success"]), "answer": score.get("answer", ""),
            "verified": bool(score.get("verified")), "read": bool(score.get("read")), "answers": score.get("answers"), "status": t["status"], "error": t.get("error"),
            "wall_s": t.get("wall_s") or 0.0, "spend": spend}


def cell_summaries(questions: list[dict[str, Any]], arms: list[Any], out: Path) -> list[dict[str, Any]]:
    """Each cell's summary from the store (its finished questions, in file order), also written to
    OUT/<cell>/summary.json."""
    from agents.bench.drive import arm_dir
    from agents.bench.store import open_existing
    from agents.trajectory import write_atomic

    store = open_existing(out)
    try:
        cells = []
        for arm in arms:
            done = {t["task_id"]: _row(t) for t in store.tasks(arm.arm_id)}
            tracker = arm.mode == "tracker"
            summary = summarize([done[q["id"]] for q in questions if q["id"] in done],
                                Budget(**arm.config["budget"]), tracker)
            write_atomic(arm_dir(out, arm.arm_id) / "summary.json", json.dumps(summary, indent=2))
            cells.append(summary)
        return cells
    finally:
        store.close()


def summarize(rows: list[dict[str, Any]], budget: Budget, tracker: bool) -> dict[str, Any]:
    from agents.bench.summary import outcome, spend_sums, tool_calls, wall_seconds
    from agents.web.answer_log import summed

    total, correct, accuracy = outcome(rows, "correct")
    spend = spend_sums(rows, SPEND_KEYS) | {"tool_calls": tool_calls(rows)}
    spend["cost_usd_per_question"] = round(spend["cost_usd"] / total, 6) if total else 0.0
    spend["wall_s"] = wall_seconds(rows)
    return {"total": total, "correct": correct, "accuracy": accuracy,
            "spend": spend, "per_question": [{"id": r["id"], "correct": r["correct"], "answer": r["answer"]}
                                             for r in rows],
            "budget": budget.describe(), "tracker": tracker, "verified": sum(1 for r in rows if r.get("verified")),
            "error": sum(1 for r in rows if r.get("status") in ("error", "timeout")), "answers": summed(rows),
            "read": {"runs": sum(1 for r in rows if r.get("read")),  # answers that are the reader's (agents.web.reader)
                     "right": sum(1 for r in rows if r.get("read") and r["correct"])}}


def run_bench(questions: list[dict[str, Any]], base: dict[str, Any], budgets: list[Budget], arms: list[bool],
              out: Path, models: dict[str, Any] | None = None, on_row=None, **runner: Any) -> list[dict[str, Any]]:
    """Every question in every (budget, tracker) cell through the benchmark runner, question by question
    (every cell of a question before the next: a bench stopped early has comparable cells); returns the
    cell summaries and writes them and the plot. `models` (model objects of this process) run the
    questions here; otherwise in worker processes or on Ray (`runner`: executor, workers, timeout,
    address, preload, label, quiet, retry_errors; see agents.bench.drive)."""
    from agents.bench.drive import arm_layout, drive

    cells = make_arms(base, budgets, arms)

    def row_event(row: dict[str, Any]) -> None:
        if on_row:
            on_row({"cell": row["arm_id"], "id": row["task_id"], "correct": bool(row["success"]),
                    "answer": (row.get("score") or {}).get("answer", ""), "spend": row.get("spend") or {},
                    "wall_s": row.get("wall_s") or 0.0, "status": row["status"]})

    drive("web", fragments(questions), cells, out=out, models=models, run_dir_for=arm_layout(out, cells),
          on_row=row_event, task_major=True, **runner)
    summaries = cell_summaries(questions, cells, out)
    plot(out, out / "accuracy_vs_cost.png")
    return summaries


def plot(out: Path, png: Path) -> Path | None:
    """Accuracy vs mean unified cost per question, one line per arm, every cell under `out`."""
    cells = []
    for p in sorted(out.glob("*/summary.json")):
        try:
            cells.append(json.loads(p.read_text()))
        except (OSError, json.JSONDecodeError):
            continue
    from agents.web.plot import plot_cells

    return plot_cells(cells, png)  # labels of cells that share a cost are placed apart
