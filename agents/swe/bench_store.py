"""`bench swe` writes the results store too (OUT/results.sqlite, agents.bench.store), one arm per
`--mode` (or `predictions` when grading given predictions), so `scaleagent report OUT --html …` works
for it as for every benchmark the runner runs."""
from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

STATUS = {"resolved": "success", "unresolved": "failure", "error": "error"}


def open_store(out: Path, plan: dict[str, Any], warn=lambda m: None):
    """The store and this run's arm record; None (with a warning) when the store cannot be used."""
    from agents.bench.store import Store
    from agents.errors import ConfigError

    try:
        store = Store.open(out, warn=warn)
    except ConfigError as exc:
        warn(f"{exc}; reports are still written to {out}/<instance>/report.json")
        return None, None
    kw = plan.get("solve_kwargs") or {}
    budget = kw.get("budget")
    arm = {"arm_id": plan["mode"] if plan["preds"] is None else "predictions", "kind": "swe", "pipeline": "swe",
           "mode": plan["mode"] if plan["preds"] is None else None, "k": kw.get("k"),
           "budget": budget.describe() if budget is not None else None, "model": plan["model"],
           "config": {"edit_format": kw.get("edit_format"), "sandbox": plan["sandbox"]}}
    try:
        store.add_arm(arm)
    except sqlite3.Error as exc:
        warn(f"cannot write the results store ({exc}); reports are still written to {out}/<instance>/report.json")
        store.close()
        return None, None
    return store, arm["arm_id"]


def row_of(report: dict[str, Any], arm_id: str, run_dir: Path) -> dict[str, Any]:
    from agents.bench.cell import _stage_spend, step_view
    from agents.errors import ConfigError
    from agents.trajectory import RunFiles

    solve = report.get("solve") or {}
    try:
        steps = RunFiles(run_dir).steps() if run_dir.is_dir() else []
    except ConfigError:
        steps = []
    status = STATUS.get(report.get("status"), "error")
    return {"arm_id": arm_id, "task_id": report["instance_id"], "status": status, "success": status == "success",
            "score": {"grade": report.get("status"), "checks": solve.get("checks") or {}},
            "spend": solve.get("spend") or {}, "steps": len(steps), "wall_s": solve.get("wall_s") or 0.0,
            "error": report.get("reason") if status == "error" else None, "run_dir": str(run_dir),
            "run_id": None, "trajectory": [step_view(s) for s in steps], "stage_spend": _stage_spend(steps)}


def record(store: Any, arm_id: str | None, report: dict[str, Any], idir: Path, warn=lambda m: None) -> None:
    if store is None:
        return
    try:
        store.add_task(row_of(report, arm_id, idir / "run"))
    except (sqlite3.Error, OSError) as exc:
        warn(f"cannot write the results store ({exc}); the report is in {idir}/report.json")
