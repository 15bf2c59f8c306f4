"""`bench gui` through the one runner: MiniWoB++ episodes (tasks × seeds) as tasks, one arm per --k.

The summary of an arm comes from the results store: {"total", "successes", "success_rate", "spend",
"per_episode": [{"task", "seed", "success", "reward", "steps"}]}; `episode_rows` adds each episode's
reason (from its run directory: the fatal error, or the controller's last reason) and spend.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from agents.bench.arms import Arm

SPEND = ("cost_usd", "input_tokens", "output_tokens", "model_calls")


def gui_arm(base: dict[str, Any], arm_id: str, budget_text: str = "") -> Arm:
    """An arm from a gui run config (runtime_config with options k, select, …)."""
    o = base.get("options") or {}
    return Arm(arm_id=arm_id, kind="gui", mode=str(o.get("select", "vote")), k=int(o.get("k", 4)),
               budget=budget_text or _describe(base), model=str(base.get("model")), config=dict(base))


def _describe(cfg: dict[str, Any]) -> str:
    from budgets import Budget

    return Budget(**(cfg.get("budget") or {})).describe()


def _reason(row: dict[str, Any]) -> str:
    if row["status"] in ("error", "timeout"):
        return f"{row['status']}: {row.get('error') or ''}"
    try:
        from agents.gui.viewer import outcome

        info = outcome(None, row["run_dir"])
    except Exception:  # noqa: BLE001 - a run directory that cannot be read: no reason, the row stands
        return ""
    return str(info.get("error") or info.get("reason") or "")


def episode_rows(store: Any, arm_id: str, fragments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The arm's episodes in task × seed order, from the store (finished ones only)."""
    by_id = {t["task_id"]: t for t in store.tasks(arm_id)}
    rows = []
    for frag in fragments:
        t = by_id.get(frag["task_id"])
        if t is None:
            continue
        score = t["score"] or {}
        rows.append({"task": frag["gui_task"], "seed": frag["seed"], "success": bool(t["success"]),
                     "reward": float(score.get("reward") or 0.0), "steps": int(score.get("steps") or 0),
                     "status": t["status"], "spend": {k: t[k] for k in SPEND}, "wall_s": round(t["wall_s"], 1),
                     "reason": _reason(t), "run_dir": t["run_dir"]})
    return rows


def summarize(rows: list[dict[str, Any]]) -> dict[str, Any]:
    from agents.bench.summary import outcome, spend_sums, wall_seconds

    total, successes, rate = outcome(rows, "success", digits=None)
    return {"total": total, "successes": successes, "success_rate": rate,
            "spend": spend_sums(rows, SPEND) | {"wall_s": wall_seconds(rows)},
            "per_episode": [{k: r[k] for k in ("task", "seed", "success", "reward", "steps")} for r in rows]}


def arm_results(out: Path, arms: list[Arm], fragments: list[dict[str, Any]]) -> list[tuple[Arm, dict, list]]:
    """(arm, summary, episode rows) per arm, from OUT's store."""
    from agents.bench.store import open_existing

    store = open_existing(out)
    try:
        result = []
        for arm in arms:
            rows = episode_rows(store, arm.arm_id, fragments)
            result.append((arm, summarize(rows), rows))
        return result
    finally:
        store.close()


def run_bench(cfgs: list[dict[str, Any]], base: dict[str, Any], out: Path, on_episode=None,
              models: dict | None = None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Every episode config (task × seed) of one arm, in this process (`models`: scripted ones in tests)
    or in a worker; the summary and the episode rows. Run directories: OUT/<task>-s<seed>/."""
    from agents.bench.drive import arm_layout, drive
    from agents.gui import envs

    arm = gui_arm(base, "k" + str((base.get("options") or {}).get("k", 4)))
    rows_seen: list[dict] = []

    def on_row(row: dict[str, Any]) -> None:
        rows_seen.append(row)
        if on_episode:
            on_episode(row, rows_seen)

    drive("gui", cfgs, [arm], out=out, models=models, after_cell=envs.close_all,
          run_dir_for=arm_layout(out, [arm], flat_single=True), on_row=on_row)
    (_, summary, rows), = arm_results(out, [arm], cfgs)
    return summary, rows
