"""`scaleagent bench swe`'s inputs (checked before anything runs) and its grading of given predictions.

Solving goes through the one benchmark runner (agents.swe.bench_runner); grading `--predictions`
has no model loop and runs here: OUT/<instance_id>/report.json is written last, atomically, per
instance, and on a rerun with the same --out, instances that have one are kept, the others graded.
"""
from __future__ import annotations

import asyncio
import json
import os
import time
from pathlib import Path
from typing import Any, Callable

from agents.config import DEFAULT_MODEL, check_model, check_sandbox, cost_model
from agents.errors import ConfigError
from agents.paths import ensure_dir, id_path
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
    from sandboxes.pyenv.prepare import total as env_build_total

    from agents.bench.summary import spend_sums

    spend = spend_sums([r.get("solve") or {} for r in reports], SPEND_KEYS)
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


class _Bench:
    """Grading one set of predictions: per instance grade → report.json, bounded concurrency."""

    def __init__(self, *, out: Path, sandbox: str, grade_workers: int, timeout: float,
                 predictions: dict[str, dict], on_progress: Callable[[dict], None]):
        self.out, self.sandbox, self.timeout, self.predictions = out, sandbox, timeout, predictions
        self.grade_slots = asyncio.Semaphore(grade_workers)
        self.on_progress = on_progress
        self.warn = lambda msg: on_progress({"event": "warning", "message": msg})

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
        pred = self.predictions.get(inst.instance_id)
        env_build = None
        if pred is None:
            rep = GradeReport(instance_id=inst.instance_id, status="error", reason="no prediction", sandbox=self.sandbox)
        else:
            env_build = await asyncio.to_thread(prepare_env, inst, self.sandbox)  # before any slot; not charged
            async with self.grade_slots:
                rep = await asyncio.to_thread(grade, inst, pred.get("model_patch") or "", sandbox=self.sandbox,
                                              timeout=self.timeout)
        data = rep.model_dump() | {"model_name_or_path": (pred or {}).get("model_name_or_path"), "solve": None,
                                   "env_build": env_build}
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
                   price: str | None = None, ids: list[str] | None = None, timeout: float = 900) -> dict[str, Any]:
    """Validate every input (raises ConfigError & co. before anything runs or is written); returns the plan."""
    insts = load_selected(instances_file, ids)
    check_sandbox(sandbox)
    from agents.swe.patch import FORMATS

    if edit_format not in FORMATS:
        raise ConfigError(f"bad --edit-format {edit_format!r}: choose one of {', '.join(FORMATS)}")
    preds = load_predictions(predictions_file) if predictions_file else None
    if preds is None:  # solving (agents.swe.bench_runner): the model and its price are checked here
        from agents.bench.cell import provided_models

        cost_model(model, price)
        if model not in provided_models():  # a --plugin's model object needs no provider check
            check_model(model, api_base)
    ensure_dir(out, "--out")  # last: every input was valid
    cpus = os.cpu_count() or 1
    return {"insts": insts, "preds": preds, "out": out,
            "sandbox": sandbox, "model": model, "mode": mode, "timeout": timeout,
            "instances_file": instances_file, "predictions_file": predictions_file,
            "grade_workers": workers or cpus,
            "solve_workers": workers or (1 if model.startswith("local/") else cpus)}  # a local model serves one at a time


def execute_bench_swe(plan: dict[str, Any], on_progress: Callable[[dict], None] | None = None) -> dict[str, Any]:
    """Grade a plan's predictions: OUT/<id>/report.json per instance, then OUT/summary.json; the summary."""
    out, insts, preds = plan["out"], plan["insts"], plan["preds"]
    if preds is None:
        raise ValueError("execute_bench_swe grades predictions; solving goes through agents.swe.bench_runner.run")
    out.mkdir(parents=True, exist_ok=True)
    bench = _Bench(out=out, sandbox=plan["sandbox"], grade_workers=plan["grade_workers"], timeout=plan["timeout"],
                   predictions=preds, on_progress=on_progress or (lambda e: None))
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
    summary = summarize(reports) | {"instances": str(plan["instances_file"]), "predictions": str(pf),
                                    "out": str(out), "sandbox": plan["sandbox"], "store": str(out / "results.sqlite"),
                                    "wall_s": round(time.monotonic() - t0, 2),
                                    "unknown_prediction_ids": sorted(set(preds) - {i.instance_id for i in insts})}
    write_atomic(out / "summary.json", json.dumps(summary, indent=2))
    return summary


def run_bench_swe(instances_file: Path, *, on_progress: Callable[[dict], None] | None = None,
                  **options: Any) -> dict[str, Any]:
    """Grade predictions (predictions_file=…), or solve then grade through the benchmark runner
    (agents.swe.bench_runner), as `bench swe` does; options as in `plan_bench_swe`, plus `plan`: an
    allocation plan YAML for the arm (`--plan`)."""
    allocation = options.pop("plan", None)
    plan = plan_bench_swe(instances_file, **options)
    if plan["preds"] is None:
        from agents.bench.arms import make_arms
        from agents.swe import bench_runner
        from budgets import Budget

        budget = options.get("budget") or Budget()
        arms = make_arms("swe", modes=[plan["mode"]], ks=[int(options.get("k", 4))],
                         budgets=[(budget.describe(), budget)], models=[plan["model"]],
                         base={"sandbox": plan["sandbox"], "api_base": options.get("api_base"),
                               "price": options.get("price")},
                         options={"edit_format": options.get("edit_format", "auto")}, plan=allocation)
        return bench_runner.run(plan, arms, quiet=True)
    return execute_bench_swe(plan, on_progress)
