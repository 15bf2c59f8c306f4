"""The SWE-bench harness behind `scaleagent bench swe`: solve (or take predictions) and grade instances.

OUT/<instance_id>/report.json is written last, atomically, per instance: on a rerun with the same
--out, instances that have one are kept, the others are redone (a solve that finished but was not
graded reuses its line in OUT/predictions.jsonl; an unfinished solve resumes from its checkpoint).
"""
from __future__ import annotations

import asyncio
import inspect
import json
import os
import shutil
import threading
import time
from pathlib import Path
from typing import Any, Callable

from agents.config import DEFAULT_MODEL, check_model, check_sandbox, cost_model
from agents.errors import ConfigError, RunLocked, ScaleAgentError
from agents.paths import ensure_dir, id_path
from agents.redact import redact
from agents.trajectory import write_atomic

SPEND_KEYS = ("cost_usd", "input_tokens", "output_tokens", "model_calls")


def load_predictions(path: Path) -> dict[str, dict[str, Any]]:
    """SWE-bench predictions (JSONL, or a JSON list/object keyed by id) → {instance_id: record}; last one wins."""
    if not path.is_file():
        raise ConfigError(f"predictions file {path} does not exist: give a SWE-bench predictions JSONL file")
    text = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{path}:{exc.lineno}: invalid JSON ({exc.msg})") from None
        items = [(f"{path} record {i + 1}", r) for i, r in enumerate(data.values() if isinstance(data, dict)
                                                                      and "instance_id" not in data else
                                                                      data if isinstance(data, list) else [data])]
    else:
        items = []
        for lineno, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                items.append((f"{path}:{lineno}", json.loads(line)))
            except json.JSONDecodeError as exc:
                raise ConfigError(f"{path}:{lineno}: invalid JSON ({exc.msg}); fix: one prediction object per "
                                  "line with instance_id, model_name_or_path, model_patch") from None
    out: dict[str, dict[str, Any]] = {}
    for where, rec in items:
        if not isinstance(rec, dict) or not isinstance(rec.get("instance_id"), str):
            raise ConfigError(f"{where}: a prediction needs a string instance_id (and model_patch); fix the record")
        patch = rec.get("model_patch")
        if patch is not None and not isinstance(patch, str):
            raise ConfigError(f"{where}: model_patch must be a string (a unified diff) or null")
        out[rec["instance_id"]] = rec
    return out


def summarize(reports: list[dict[str, Any]]) -> dict[str, Any]:
    ids = {s: sorted(r["instance_id"] for r in reports if r["status"] == s) for s in ("resolved", "unresolved", "error")}
    spend = {k: 0 for k in SPEND_KEYS}
    for r in reports:
        for k in SPEND_KEYS:
            spend[k] += (r.get("solve") or {}).get("spend", {}).get(k, 0) or 0
    spend["cost_usd"] = round(spend["cost_usd"], 6)
    from sandboxes.pyenv.prepare import total as env_build_total
    n = len(reports)
    return {"total": n, "resolved": len(ids["resolved"]), "unresolved": len(ids["unresolved"]),
            "error": len(ids["error"]), "resolve_rate": round(len(ids["resolved"]) / n, 4) if n else 0.0,
            "resolved_ids": ids["resolved"], "unresolved_ids": ids["unresolved"], "error_ids": ids["error"],
            "spend": spend, "env_build": env_build_total([r.get("env_build") for r in reports])}


def prepare_env(inst: Any, sandbox: str) -> dict[str, Any]:
    """The instance's `env_build` line (sandboxes.pyenv.prepare): its environment built ahead of the run."""
    from sandboxes.pyenv import prepare

    from agents.swe.instances import materialize_repo

    return prepare(lambda: materialize_repo(inst), inst.base_commit, sandbox)


async def _maybe_await(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


class _Bench:
    """One `bench swe` run: per-instance solve (optional) → grade → report.json, bounded concurrency."""

    def __init__(self, *, out: Path, sandbox: str, grade_workers: int, solve_workers: int, timeout: float,
                 predictions: dict[str, dict] | None, solve: Callable | None, solve_kwargs: dict[str, Any],
                 model: str, on_progress: Callable[[dict], None]):
        self.out, self.sandbox, self.timeout = out, sandbox, timeout
        self.predictions, self.solve, self.solve_kwargs, self.model = predictions, solve, solve_kwargs, model
        self.grade_slots = asyncio.Semaphore(grade_workers)
        self.solve_slots = asyncio.Semaphore(solve_workers)
        self.on_progress = on_progress
        self.warn = lambda msg: on_progress({"event": "warning", "message": msg})
        self.live: dict[str, dict] = {}  # instance_id -> spend so far (from "spend" events)
        self.lock = threading.Lock()
        self.preds_path = out / "predictions.jsonl"
        self.solved = load_predictions(self.preds_path) if (solve and self.preds_path.is_file()) else {}

    def _event_sink(self, iid: str) -> Callable[[dict], None]:
        def on_event(e: dict) -> None:
            spent = (e.get("snapshot") or {}).get("spent") if e.get("event") == "spend" else None
            if isinstance(spent, dict):
                with self.lock:
                    self.live[iid] = {k: spent.get(k, 0) for k in SPEND_KEYS}
                self.on_progress({"event": "spend"})
        return on_event

    async def _solve(self, inst, idir: Path) -> tuple[str | None, dict[str, Any]]:
        """(patch, solve info); the patch is None when the solve failed (every model call failed)."""
        if inst.instance_id in self.solved:  # solved before a kill, not yet graded: don't pay twice
            rec = self.solved[inst.instance_id]
            return rec.get("model_patch") or "", rec.get("solve") or {"status": "reused prediction"}
        run_dir = idir / "run"
        kwargs = dict(self.solve_kwargs, sandbox=self.sandbox, run_dir=run_dir, on_event=self._event_sink(inst.instance_id))
        params = inspect.signature(self.solve).parameters
        if not any(p.kind is p.VAR_KEYWORD for p in params.values()):
            kwargs = {k: v for k, v in kwargs.items() if k in params}
        # an unfinished solve continues from its checkpoint (steps done are not re-charged)
        resume = "resume" in params and (run_dir / "run.json").is_file()
        async with self.solve_slots:
            try:
                if not resume and run_dir.exists():
                    shutil.rmtree(run_dir)
                res = await _maybe_await(self.solve(inst, **kwargs, **({"resume": True} if resume else {})))
            except RunLocked:
                raise  # another process is solving it: never delete its directory
            except ScaleAgentError:
                if not resume:
                    raise
                shutil.rmtree(run_dir, ignore_errors=True)  # a checkpoint that cannot be resumed: start over
                res = await _maybe_await(self.solve(inst, **kwargs))
        info = {"status": res.status, "spend": {k: (res.spend or {}).get(k, 0) for k in (*SPEND_KEYS, "tool_calls")},
                "wall_s": res.wall_s, "checks": getattr(res, "checks", None) or {}}
        if getattr(res, "error", None) or res.status == "failed":  # no model call succeeded: not a prediction
            return None, info | {"error": getattr(res, "error", None) or "no model call succeeded"}
        line = {"instance_id": inst.instance_id, "model_name_or_path": self.model, "model_patch": res.model_patch or ""}
        with self.lock, open(self.preds_path, "a") as fh:
            fh.write(json.dumps(line | {"solve": info}) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        return res.model_patch or "", info

    async def one(self, inst) -> dict[str, Any]:
        from agents.swe.grading import GradeReport, grade

        idir = id_path(self.out, inst.instance_id)  # never outside --out, whatever the id says
        report_file = idir / "report.json"
        if report_file.is_file():
            try:
                return json.loads(report_file.read_text())
            except json.JSONDecodeError:
                pass  # damaged: redo
        idir.mkdir(parents=True, exist_ok=True)
        solve_info = env_build = None
        if self.predictions is None or self.predictions.get(inst.instance_id) is not None:
            env_build = await asyncio.to_thread(prepare_env, inst, self.sandbox)  # before any slot; not charged
        if self.predictions is not None:
            pred = self.predictions.get(inst.instance_id)
            patch = None if pred is None else (pred.get("model_patch") or "")
            model_name = (pred or {}).get("model_name_or_path")
        else:
            model_name = self.model
            try:
                patch, solve_info = await self._solve(inst, idir)
            except Exception as exc:  # one instance's failure is its report, not the run's end
                first = f"{type(exc).__name__}: {exc}".splitlines()[0]
                patch, solve_info = None, {"status": "crashed", "error": redact(first)}
            with self.lock:
                self.live.pop(inst.instance_id, None)
        if patch is None:
            why = "no prediction" if self.predictions is not None else f"solve failed: {solve_info['error']}"
            rep = GradeReport(instance_id=inst.instance_id, status="error", reason=why, sandbox=self.sandbox)
        else:
            async with self.grade_slots:
                rep = await asyncio.to_thread(grade, inst, patch, sandbox=self.sandbox, timeout=self.timeout)
        data = rep.model_dump() | {"model_name_or_path": model_name, "solve": solve_info, "env_build": env_build}
        write_atomic(report_file, json.dumps(data, indent=2))
        return data

    async def run_all(self, instances: list, store: Any = None, arm_id: str | None = None) -> list[dict[str, Any]]:
        from agents.swe.bench_store import record

        async def tracked(inst):
            data = await self.one(inst)
            record(store, arm_id, data, id_path(self.out, inst.instance_id), self.warn)
            self.on_progress({"event": "done", "report": data})
            return data
        return list(await asyncio.gather(*(tracked(i) for i in instances)))


def load_selected(instances_file: Path, ids: list[str] | None) -> list:
    """The instances of a file, or only those `--ids` names (an id the file lacks is a ConfigError)."""
    from agents.swe.instances import load_instances

    insts = load_instances(instances_file)
    if ids:
        unknown = sorted(set(ids) - {i.instance_id for i in insts})
        if unknown:
            raise ConfigError(f"unknown instance id {unknown[0]!r} in --ids: see {instances_file}")
        insts = [i for i in insts if i.instance_id in set(ids)]
    return insts


def plan_bench_swe(instances_file: Path, *, predictions_file: Path | None = None, out: Path,
                   workers: int | None = None, sandbox: str = "bwrap", model: str = DEFAULT_MODEL, budget: Any = None,
                   mode: str = "scaled", k: int = 4, edit_format: str = "auto", api_base: str | None = None,
                   price: str | None = None, ids: list[str] | None = None, timeout: float = 900,
                   solve: Callable | None = None) -> dict[str, Any]:
    """Validate every input (raises ConfigError & co. before anything runs or is written); returns the plan."""
    insts = load_selected(instances_file, ids)
    check_sandbox(sandbox)
    from agents.swe.patch import FORMATS

    if edit_format not in FORMATS:
        raise ConfigError(f"bad --edit-format {edit_format!r}: choose one of {', '.join(FORMATS)}")
    preds = load_predictions(predictions_file) if predictions_file else None
    solve_kwargs: dict[str, Any] = {}
    if preds is None:
        if solve is None:
            from agents.swe.solve import solve_instance as solve
        from agents.bench.cell import provided_models

        cost = cost_model(model, price)
        if model not in provided_models():  # a --plugin's model object needs no provider check
            check_model(model, api_base)
        solve_kwargs = {"model": model, "budget": budget, "mode": mode, "k": k, "edit_format": edit_format,
                        "cost_model": cost, "models": {},
                        "model_options": {"api_base": api_base} if api_base else None,
                        "config": {"api_base": api_base, "price": price}}  # in run.json: `resume` needs them
    ensure_dir(out, "--out")  # last: every input was valid
    cpus = os.cpu_count() or 1
    return {"insts": insts, "preds": preds, "solve": solve, "solve_kwargs": solve_kwargs, "out": out,
            "sandbox": sandbox, "model": model, "mode": mode, "timeout": timeout,
            "instances_file": instances_file, "predictions_file": predictions_file,
            "grade_workers": workers or cpus,
            "solve_workers": workers or (1 if model.startswith("local/") else cpus)}  # a local model serves one at a time


def execute_bench_swe(plan: dict[str, Any], on_progress: Callable[[dict], None] | None = None) -> dict[str, Any]:
    """Run a plan: OUT/<id>/report.json per instance, then OUT/summary.json; returns the summary."""
    out, insts, preds = plan["out"], plan["insts"], plan["preds"]
    out.mkdir(parents=True, exist_ok=True)
    bench = _Bench(out=out, sandbox=plan["sandbox"], grade_workers=plan["grade_workers"],
                   solve_workers=plan["solve_workers"], timeout=plan["timeout"], predictions=preds,
                   solve=plan["solve"], solve_kwargs=plan["solve_kwargs"], model=plan["model"],
                   on_progress=on_progress or (lambda e: None))
    bench.on_progress({"event": "start", "bench": bench, "total": len(insts)})
    t0 = time.monotonic()
    from agents.swe.bench_store import open_store

    store, arm_id = open_store(out, plan, bench.warn)
    try:
        reports = asyncio.run(bench.run_all(insts, store, arm_id))
    finally:
        if store is not None:
            store.close()
    pf = plan["predictions_file"]
    summary = summarize(reports) | {"instances": str(plan["instances_file"]), "predictions": str(pf) if pf else None,
                                    "out": str(out), "sandbox": plan["sandbox"], "store": str(out / "results.sqlite"),
                                    "wall_s": round(time.monotonic() - t0, 2)}
    if preds is None:
        summary |= {"model": plan["model"], "mode": plan["mode"]}
    else:
        summary["unknown_prediction_ids"] = sorted(set(preds) - {i.instance_id for i in insts})
    write_atomic(out / "summary.json", json.dumps(summary, indent=2))
    return summary


def run_bench_swe(instances_file: Path, *, on_progress: Callable[[dict], None] | None = None,
                  **options: Any) -> dict[str, Any]:
    """Grade predictions (predictions_file=…), or solve then grade; options as in `plan_bench_swe`. Solving
    with the real solver goes through the benchmark runner (agents.swe.bench_runner), as `bench swe` does; a
    stand-in `solve=` function (tests) runs in this harness."""
    plan = plan_bench_swe(instances_file, **options)
    if plan["preds"] is None and options.get("solve") is None:
        from agents.bench.arms import make_arms
        from agents.swe import bench_runner
        from budgets import Budget

        budget = options.get("budget") or Budget()
        arms = make_arms("swe", modes=[plan["mode"]], ks=[int(options.get("k", 4))],
                         budgets=[(budget.describe(), budget)], models=[plan["model"]],
                         base={"sandbox": plan["sandbox"], "api_base": options.get("api_base"),
                               "price": options.get("price")},
                         options={"edit_format": options.get("edit_format", "auto")})
        return bench_runner.run(plan, arms, quiet=True)
    return execute_bench_swe(plan, on_progress)
