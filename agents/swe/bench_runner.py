"""`bench swe INSTANCES` (solving) through the one runner: each instance is a task of the `swe` kind
(solved, then graded by the kind's `finish`); every --mode × --k × --budget × --model is an arm. The
command's own files are made from the store after the run, as `bench swe` always wrote them, in ARM =
OUT for a single arm, OUT/<arm> for each arm of a sweep:

    ARM/<instance>/run/          the task's run directory (checkpointed: a killed bench resumes it)
    ARM/<instance>/report.json   status resolved | unresolved | error, reason, the grade, the solve's spend
    ARM/predictions.jsonl        SWE-bench predictions of every instance whose solve succeeded
    ARM/summary.json             the arm's summary (agents.swe.bench.summarize + run fields)
    OUT/summary.json             a sweep's: {"arms": {arm: its summary}, ...}; a single arm's is its own

Grading given --predictions has no model loop and stays in agents.swe.bench.

Environments (`bench swe` and the generic `bench run swe`): the kind's `bench_tasks`, given the
spec's "sandbox", builds each instance's test environment (or finds it cached, or its failure
remembered) while it plans the tasks, before any task's clock, budget or test-run slot starts, and
puts the `env_build` line in the task's config (`with_environments`). The line is reported in the
task's score (store row) and report.json; a task whose environment is broken ends as an `error` row
with the build's reason before any model call (`env_failure`), and the other tasks run on.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

from agents.bench.arms import Arm
from agents.bench.progress import say

STATUS = {"success": "resolved", "failure": "unresolved", "error": "error", "timeout": "error"}
SPEND_KEYS = ("cost_usd", "input_tokens", "output_tokens", "model_calls")
ENV_ERROR = "EnvError: "  # a row's error when its environment was broken (register.task raises env_failure)


def with_environments(fragments: list[dict[str, Any]], insts: list[Any], sandbox: str,
                      say: Callable[[str], None] | None = None) -> list[dict[str, Any]]:
    """Each task fragment with its instance's `env_build` line (agents.swe.bench.prepare_env: never
    raises, never charged), built one instance after another, now, before any task runs; `say` gets
    a line per instance (a first build can take minutes)."""
    from sandboxes.pyenv import describe

    from agents.swe.bench import prepare_env

    by_id = {i.instance_id: i for i in insts}
    out = []
    for n, f in enumerate(fragments, 1):
        line = prepare_env(by_id[f["task_id"]], sandbox)
        if say is not None:
            say(f"test environment {n}/{len(fragments)} {f['task_id']}: {describe(line)}")
        out.append(f | {"env_build": line})
    return out


def env_failure(cfg: dict[str, Any]) -> str | None:
    """Why the task's environment could not be built (its config's `env_build` line), or None."""
    line = cfg.get("env_build")
    if isinstance(line, dict) and line.get("status") == "error":
        return f"test environment: {line.get('reason') or 'the build failed'}"
    return None


def arm_root(out: Path, arms: list[Arm], arm: Arm) -> Path:
    """Where an arm's instances go: OUT itself for a single arm, OUT/<arm> in a sweep."""
    from agents.bench.drive import arm_dir

    return Path(out) if len(arms) == 1 else arm_dir(out, arm.arm_id)


def report_of(row: dict[str, Any], model: str) -> dict[str, Any]:
    """An instance's report.json from its store row and the grade its run wrote."""
    run_dir = Path(row["run_dir"])
    try:
        grade = json.loads((run_dir / "report.json").read_text())
    except (OSError, ValueError):
        grade = {}
    status = STATUS.get(row["status"], "error")
    error = row.get("error") or ""
    if status == "error":
        reason = (error[len("grading: "):] if error.startswith("grading: ")
                  else error[len(ENV_ERROR):] if error.startswith(ENV_ERROR) else f"solve failed: {error}")
    else:
        reason = grade.get("reason", "")
    score = row.get("score") or {}
    solve = {"status": score.get("run_status", row["status"]),
             "spend": {k: row.get(k, 0) for k in SPEND_KEYS} | {"tool_calls": row.get("tool_calls") or {}},
             "wall_s": row.get("wall_s") or 0.0, "checks": score.get("checks") or {}}
    return grade | {"instance_id": row["task_id"], "status": status, "reason": reason, "model_name_or_path": model,
                    "solve": solve}


def write_outputs(rows: dict[str, dict[str, Any]], root: Path, arm: Arm, instance_ids: list[str],
                  env_builds: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """report.json per finished instance and predictions.jsonl under ROOT, from the arm's store rows;
    the reports in file order."""
    from agents.paths import id_path
    from agents.trajectory import write_atomic

    reports, preds = [], []
    for iid in instance_ids:
        row = rows.get(iid)
        if row is None:
            continue
        rep = report_of(row, arm.model) | {"env_build": (env_builds or {}).get(iid)}
        write_atomic(id_path(root, iid) / "report.json", json.dumps(rep, indent=2))
        reports.append(rep)
        pred = Path(row["run_dir"]) / "predictions.jsonl"
        if row["status"] != "error" or row.get("error", "").startswith("grading: "):
            try:
                line = json.loads(pred.read_text().splitlines()[0])
            except (OSError, ValueError, IndexError):
                continue
            preds.append(json.dumps(line | {"solve": rep["solve"]}))
    write_atomic(root / "predictions.jsonl", "".join(p + "\n" for p in preds), redacted=False)
    return reports


def run(plan: dict[str, Any], arms: list[Arm], *, executor: str = "local", workers: int | None = None,
        task_timeout: float | None = None, address: str | None = None, preload: list[str] | None = None,
        quiet: bool = False, retry_errors: bool = False, batch: Any = None) -> dict[str, Any]:
    """Solve and grade a `plan_bench_swe` plan (no predictions) over `arms` through the runner; the
    summary (a single arm's own, or a sweep's {"arms": {...}})."""
    import time

    from agents import pipelines
    from agents.bench.drive import drive
    from agents.bench.seeds import over_seeds
    from agents.bench.store import open_existing
    from agents.paths import id_path
    from agents.swe.bench import summarize
    from agents.trajectory import write_atomic

    out, ids = plan["out"], [i.instance_id for i in plan["insts"]]
    t0 = time.monotonic()
    # each instance's environment is built here, before any slot; not charged (see the module's doc)
    fragments = pipelines.get("swe").bench_tasks({"source": str(plan["instances_file"]), "ids": ids,
                                                  "timeout": plan["timeout"], "sandbox": plan["sandbox"],
                                                  "say": say})
    roots = {a.arm_id: arm_root(out, arms, a) for a in arms}
    envs = {f["task_id"]: f.get("env_build") for f in fragments}
    ran = drive("swe", fragments, arms, out=out, executor=executor, batch=batch,
          workers=workers or (None if executor == "ray" else plan["solve_workers"]), timeout=task_timeout,
          address=address, preload=preload, label="swe", quiet=quiet, retry_errors=retry_errors,
          run_dir_for=lambda arm, tid: id_path(roots[arm.arm_id], tid) / "run")
    store = open_existing(out)
    try:
        rows = {a.arm_id: {t["task_id"]: t for t in store.tasks(a.arm_id)} for a in arms}
    finally:
        store.close()
    common = {"instances": str(plan["instances_file"]), "predictions": None, "out": str(out),
              "sandbox": plan["sandbox"], "store": str(out / "results.sqlite"),
              "wall_s": round(time.monotonic() - t0, 2)}
    summaries = {}
    for a in arms:
        reports = write_outputs(rows[a.arm_id], roots[a.arm_id], a, ids, envs)
        summaries[a.arm_id] = summarize(reports) | common | {"model": a.model, "mode": a.mode}
        if batch is not None:  # the batch each arm's instances drew from, and what they spent of it
            summaries[a.arm_id]["batch_budget"] = ran["arms"][a.arm_id].get("batch_budget")
        if len(arms) > 1:
            summaries[a.arm_id] |= {"out": str(roots[a.arm_id]), "k": a.k, "budget": a.budget, "seed": a.seed}
            write_atomic(roots[a.arm_id] / "summary.json", json.dumps(summaries[a.arm_id], indent=2))
    summary = summaries[arms[0].arm_id] if len(arms) == 1 else common | {"arms": summaries}
    cells = over_seeds(arms, summaries, "resolved")
    if cells:
        summary["over_seeds"] = cells
    write_atomic(out / "summary.json", json.dumps(summary, indent=2))
    return summary
