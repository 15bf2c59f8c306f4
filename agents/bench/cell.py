"""One benchmark cell (one task in one arm), run where a worker runs it: a local worker process or a
Ray worker. The same function in both, so both executors write the same rows.

    row = run_cell({"arm_id", "task_id", "cfg", "run_dir", "preload"[, "retry_failed"]}, on_spend)

The task runs through `pipelines.execute` in its own run directory (checkpointed: a run directory
that already holds a checkpoint is resumed, so a task a kill cut short continues where it was; with
`retry_failed` (`--retry-errors`), a run that finished "failed" because every model call failed is
removed and solved afresh instead, as its old files would only report the same failure) and is
scored by its kind's `score`. The row is written to RUN_DIR/bench_row.json before it is returned.
"""
from __future__ import annotations

import asyncio
import importlib
import json
import shutil
import time
from pathlib import Path
from typing import Any, Callable

ROW_FILE = "bench_row.json"
LOCK_WAIT_S = 20.0
_MODELS: dict[str, Any] = {}   # models this worker process loaded or was given (one load per worker)


def provide_model(model: Any) -> None:
    """Make a model object (a scripted model, a preloaded one) available by its name to the cells this
    process runs. Call it from a module the runner preloads (the module that registers the kind)."""
    _MODELS[model.name] = model


def provided_models() -> dict[str, Any]:
    return dict(_MODELS)


def _preload(modules: list[str]) -> None:
    for name in modules:
        importlib.import_module(name)


def _trim(value: Any, n: int) -> Any:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= n else text[:n] + f"… ({len(text)} chars)"


def step_view(rec: dict[str, Any]) -> dict[str, Any]:
    """What the store and the report keep of a step record: candidates and feedback cut to a few hundred
    characters, everything the trajectory viewer shows."""
    obs = rec.get("observation") or {}
    shot = obs.get("screenshot") if isinstance(obs, dict) else None
    return {"stage": rec.get("stage"), "step": rec.get("step"), "mode": rec.get("mode"),
            "candidates": [{"id": c.get("id"), "source": c.get("source"), "origin": c.get("origin"),
                            "content": _trim(c.get("content") if c.get("content") is not None else c.get("text", ""), 600),
                            "error": c.get("error")} for c in rec.get("candidates") or []],
            "verdicts": [{"candidate_id": v.get("candidate_id"), "score": v.get("score"), "passed": v.get("passed"),
                          "feedback": _trim(v.get("feedback") or "", 400)} for v in rec.get("verdicts") or []],
            "selection": {k: (rec.get("selection") or {}).get(k) for k in ("strategy", "winner", "reason")},
            "decision": rec.get("decision") or {}, "budget": rec.get("budget", ""), "spend": rec.get("spend") or {},
            "errors": [_trim(e, 300) for e in rec.get("errors") or []],
            "screenshot": shot if isinstance(shot, str) else None,
            "observation": _trim(obs, 400) if obs else None}


def _stage_spend(records: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for rec in records:
        s = rec.get("spend") or {}
        acc = out.setdefault(str(rec.get("stage")), {"cost_usd": 0.0, "input_tokens": 0, "output_tokens": 0,
                                                     "model_calls": 0})
        for key in acc:
            acc[key] += s.get(key) or 0
    return out


def journal_spend(run_dir: Path) -> dict[str, Any]:
    """What a task that ended without a result spent, from its spend journal: settled calls at their
    actual spend, calls cut short at their reserved worst case (as a resume would charge them)."""
    from budgets.journal import replay

    path = Path(run_dir) / "spend.jsonl"
    try:
        return replay(path, 0).total.summary() if path.is_file() else {}
    except (OSError, ValueError):
        return {}


def _error_row(spec: dict[str, Any], status: str, error: str, wall: float) -> dict[str, Any]:
    return {"arm_id": spec["arm_id"], "task_id": spec["task_id"], "status": status, "success": False, "score": {},
            "spend": journal_spend(spec["run_dir"]), "steps": 0, "wall_s": round(wall, 3), "error": " ".join(error.split())[:500],
            "run_dir": spec["run_dir"], "run_id": None, "trajectory": [], "stage_spend": {}}


async def _execute(cfg: dict[str, Any], run_dir: Path, rt: Any,
                   retry_failed: bool = False) -> tuple[Any, dict[str, Any]]:
    """Run the task, or resume it; a run directory still locked by a worker of a killed runner (it dies
    with its parent, a moment later) is waited for, up to LOCK_WAIT_S."""
    from agents.errors import RunLocked

    deadline = time.monotonic() + LOCK_WAIT_S
    while True:
        try:
            return await _execute_once(cfg, run_dir, rt, retry_failed)
        except RunLocked:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.5)


def _finished_failed(run_dir: Path) -> bool:
    """The run in `run_dir` finished with status "failed" (no model call succeeded)."""
    try:
        return json.loads((run_dir / "result.json").read_text()).get("status") == "failed"
    except (OSError, ValueError, AttributeError):
        return False


async def _execute_once(cfg: dict[str, Any], run_dir: Path, rt: Any,
                        retry_failed: bool = False) -> tuple[Any, dict[str, Any]]:
    from agents import pipelines
    from agents.errors import RunLocked, ScaleAgentError

    if retry_failed and _finished_failed(run_dir):  # e.g. the model server was down: solve it again
        shutil.rmtree(run_dir)
    if not (run_dir / "checkpoints.sqlite").exists():
        if run_dir.exists():  # an attempt killed before its first checkpoint: nothing to keep
            shutil.rmtree(run_dir)
        return await pipelines.execute(cfg, run_dir, rt)
    try:
        return await pipelines.execute(cfg, run_dir, rt, resume=True)
    except RunLocked:
        raise
    except ScaleAgentError:  # a checkpoint this code cannot continue (other settings): start the task over
        shutil.rmtree(run_dir)
        return await pipelines.execute(cfg, run_dir, rt)


def run_cell(spec: dict[str, Any], on_spend: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
    """Run one cell; never raises for the task's own failures (they are the row's `error`)."""
    from agents import pipelines
    from agents.config import build_runtime
    from agents.redact import redact
    from agents.trajectory import RunFiles, write_atomic

    started = time.time()
    run_dir = Path(spec["run_dir"])
    try:
        _preload(spec.get("preload") or [])
        cfg = spec["cfg"]
        kind = pipelines.get(cfg["pipeline"])

        def on_event(e: dict[str, Any]) -> None:
            spent = (e.get("snapshot") or {}).get("spent") if e.get("event") == "spend" else None
            if on_spend and isinstance(spent, dict):
                on_spend(spent)

        rt = build_runtime(cfg, on_event=on_event, models=_MODELS)
        result, extra = asyncio.run(_execute(cfg, run_dir, rt, bool(spec.get("retry_failed"))))
        _MODELS.update(rt._models)
        score = dict(kind.score(result, extra))
        records = RunFiles(run_dir).steps()
    except Exception as exc:  # one task's crash is its row, never the run's end
        where = f": {exc.filename}" if isinstance(exc, OSError) and exc.filename else ""
        text = f"{type(exc).__name__}: {exc}{where}".splitlines()[0]
        row = _error_row(spec, "error", redact(text), time.time() - started)
    else:
        failed = pipelines.failure(result)
        success = bool(score.pop("success", False)) and not failed
        error = failed or (str(score["error"]) if score.get("error") else None)
        row = {"arm_id": spec["arm_id"], "task_id": spec["task_id"],
               "status": "error" if error else ("success" if success else "failure"), "success": success,
               "score": score | {"run_status": result.status}, "spend": result.spend, "steps": result.steps,
               "wall_s": result.wall_s, "error": redact(error)[:500] if error else None, "run_dir": str(run_dir),
               "run_id": result.run_id, "trajectory": [step_view(r) for r in records],
               "stage_spend": _stage_spend(records)}
    try:
        write_atomic(run_dir / ROW_FILE, json.dumps(row, default=str))
    except OSError:
        pass  # a full disk: the runner still gets the row (and says the store could not take it, if so)
    return row


def read_row(run_dir: Path) -> dict[str, Any] | None:
    """A cell's row kept in its run directory, or None (absent or damaged: the cell runs again)."""
    try:
        row = json.loads((Path(run_dir) / ROW_FILE).read_text())
    except (OSError, ValueError):
        return None
    return row if isinstance(row, dict) and "arm_id" in row and "task_id" in row else None
