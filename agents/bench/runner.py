"""The benchmark runner behind `scaleagent bench KIND`: every registered kind, through its
`bench_tasks` / `score` hooks and `pipelines.execute`.

    summary = run_bench("humaneval", {"limit": 10}, arms, out=Path("runs/b"), workers=2)

OUT/results.sqlite is the store (agents.bench.store); OUT/arms/<arm>/<task>/ the task's run directory
(a command may give its own layout, `run_dir_for`: `bench web`/`gui`/`swe` keep theirs, agents.bench.drive).
Rerunning the same command over the same OUT keeps every task in the store, adds the rows the store
missed (a kill between a task's end and its store write, a full disk), and runs the others: a task a
kill cut short resumes from its checkpoint. Each task is counted once (the store's primary key).
"""
from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Callable

from budgets import BudgetError

from agents.bench.arms import Arm
from agents.bench.cell import provided_models, read_row
from agents.bench.store import SPEND_KEYS, Store
from agents.errors import ConfigError, ScaleAgentError
from agents.paths import ensure_dir, id_path


class StoreWriteFailed(ScaleAgentError):
    exit_code = 2


def _preload_modules(kinds: list[Any]) -> list[str]:
    """Modules a worker imports to know these kinds: where each kind's build lives (a kind registered
    by a module that discovery does not find, a test's or a benchmark's, registers itself there)."""
    mods = []
    for kind in kinds:
        mod = getattr(kind.build, "__module__", "") or ""
        if mod and mod != "__main__" and mod not in mods:
            mods.append(mod)
    return mods


def plan_tasks(kind_name: str, spec: dict[str, Any]) -> list[dict[str, Any]]:
    from agents import pipelines

    fragments = pipelines.get(kind_name).bench_tasks(spec)
    seen: set[str] = set()
    for f in fragments:
        tid = f.get("task_id")
        if not isinstance(tid, str) or tid in seen:
            raise ConfigError(f"the {kind_name} benchmark gave a task without a unique task_id ({tid!r})")
        seen.add(tid)
    if not fragments:
        raise ConfigError(f"the {kind_name} benchmark selection holds no task")
    return fragments


def check_arms(arms: list[Arm], batch: Any = None) -> list[Any]:
    """Every arm's pipeline builds and its budget (and the batch budget, if any) can hold, before
    anything is written."""
    from agents import pipelines
    from agents.config import build_runtime

    kinds = []
    for arm in arms:
        kind = pipelines.get(arm.config["pipeline"])
        pipe = kind.build(arm.config.get("options") or {})
        pipelines.check_budget(pipe, build_runtime(arm.config, models=provided_models()), kind.tools)
        if batch is not None:
            try:
                pipelines.check_budget(pipe, build_runtime(arm.config | {"budget": batch.model_dump()},
                                                           models=provided_models()), kind.tools)
            except (ScaleAgentError, BudgetError) as exc:
                raise ConfigError(f"bad --batch-budget: {exc}") from None
        kinds.append(kind)
    return kinds


class Runner:
    def __init__(self, kind: str, fragments: list[dict[str, Any]], arms: list[Arm], *, out: Path, executor: Any,
                 on_event: Callable[[dict], None] | None = None, warn: Callable[[str], None] | None = None,
                 retry_errors: bool = False, preload: list[str] | None = None,
                 run_dir_for: Callable[[Arm, str], Path] | None = None, task_major: bool = False,
                 batch: Any = None):
        self.task_major = task_major
        self.batch_total = batch  # a Budget every arm's tasks draw from (agents.bench.batch), or None
        self.batch: Any = None
        self.run_dir_for = run_dir_for  # a command's own layout (bench web/gui: OUT/<arm>/<task>)
        self.retry_errors = retry_errors
        self.preload = list(preload or [])  # more modules every worker imports first (a --plugin)
        self.kind, self.fragments, self.arms, self.out = kind, fragments, arms, Path(out)
        self.executor = executor
        self.on_event = on_event or (lambda e: None)
        self.warn = warn or (lambda m: None)
        self.lock = threading.Lock()
        self.pending: list[dict[str, Any]] = []   # rows the store could not take yet
        self.store_error: str | None = None

    def run_dir(self, arm: Arm, task_id: str) -> Path:
        if self.run_dir_for is not None:
            return self.run_dir_for(arm, task_id)
        return id_path(id_path(self.out / "arms", arm.arm_id), task_id)

    def _record(self, row: dict[str, Any], store: Store) -> None:
        keep_row(row)
        with self.lock:
            try:
                for old in list(self.pending):
                    store.add_task(old)
                    self.pending.remove(old)
                store.add_task(row)
            except (sqlite3.Error, OSError) as exc:
                if self.store_error is None:
                    self.warn(f"cannot write the results store {store.path} ({exc}); the run goes on, results "
                              "stay in each task's bench_row.json and are added on the next run")
                self.store_error = str(exc)
                self.pending.append(row)
        self.on_event({"event": "row", "row": row})

    def run(self) -> dict[str, Any]:
        kinds = check_arms(self.arms, self.batch_total)
        ensure_dir(self.out, "--out")
        store = Store.open(self.out, warn=self.warn)
        try:
            return self._run(store, kinds)
        except sqlite3.Error as exc:  # before the tasks (arms, the run record) or after them (the summary)
            raise StoreWriteFailed(f"cannot use the results store {store.path}: {exc}") from None
        finally:
            store.close()

    def _run(self, store: Store, kinds: list[Any]) -> dict[str, Any]:
        known = {a["arm_id"]: a for a in store.arms()}
        for arm in self.arms:
            old = known.get(arm.arm_id)
            config = arm.config | ({"batch_budget": self.batch_total.model_dump()} if self.batch_total else {})
            if old is not None and old["config"] != _json(config):
                raise ConfigError(f"{self.out} already holds arm {arm.arm_id!r} with other settings; rerun the same "
                                  "command to continue it, or give another --out")
            store.add_arm(arm.record() | {"config": config})
            if self.retry_errors:  # run the arm's error and timeout tasks again: each resumes its checkpoint,
                # except a run that finished "failed" (no model call succeeded), which starts afresh (agents.bench.cell)
                from agents.bench.cell import ROW_FILE

                for _, run_dir in store.forget(arm.arm_id):
                    if run_dir:
                        (Path(run_dir) / ROW_FILE).unlink(missing_ok=True)
        t0 = time.monotonic()
        run_no = store.start_run(self.kind, self.executor.name, {"arms": [a.arm_id for a in self.arms],
                                                                 "tasks": len(self.fragments)})
        done = store.done()
        specs, preload = [], self.preload + [m for m in _preload_modules(kinds) if m not in self.preload]
        cells = [(arm, frag) for arm in self.arms for frag in self.fragments]
        if self.task_major:  # every arm of a task before the next task: a run stopped early has comparable arms
            cells = [(arm, frag) for frag in self.fragments for arm in self.arms]
        for arm, frag in cells:
            key = (arm.arm_id, frag["task_id"])
            if key in done:
                continue
            run_dir = self.run_dir(arm, frag["task_id"])
            row = read_row(run_dir)
            if row is not None and (row["arm_id"], row["task_id"]) == key:
                self._record(row, store)   # finished before a kill or a store failure
                continue
            specs.append({"arm_id": arm.arm_id, "task_id": frag["task_id"], "cfg": arm.task_config(frag),
                          "run_dir": str(run_dir), "preload": preload, "retry_failed": self.retry_errors})
        total = len(self.arms) * len(self.fragments)
        self.on_event({"event": "start", "total": total, "done": total - len(specs), "arms": self.arms,
                       "spent": _spent(store), "executor": self.executor.name, "batch": self.batch_total})
        self.batch, todo = self._batched(specs, store)

        def on_row(row: dict[str, Any]) -> None:
            if self.batch is not None:  # before the row is recorded: the next task's allocation sees it
                self.batch.settle(row)
            self._record(row, store)

        try:
            self.executor.run(todo, on_row,
                              lambda key, spent: self.on_event({"event": "spend", "key": key, "spent": spent}))
        finally:
            getattr(self.executor, "close", lambda: None)()
        if self.pending:
            self._record_pending(store)
        if self.pending:
            raise StoreWriteFailed(f"the results store {store.path} could not be written ({self.store_error}): "
                                   f"{len(self.pending)} task results are kept in their run directories and are "
                                   "added when the same command runs again")
        store.finish_run(run_no)
        return self.summary(store, time.monotonic() - t0)

    def _batched(self, specs: list[dict[str, Any]], store: Store) -> tuple[Any, Any]:
        """With a batch budget, the specs as a generator that gives each task its caps as it starts."""
        if self.batch_total is None:
            return None, specs
        from agents.bench.batch import BatchBudget, hint

        tasks = {a.arm_id: 0 for a in self.arms}
        for s in specs:
            tasks[s["arm_id"]] += 1
        batch = BatchBudget(self.batch_total, tasks, done=store.tasks() + list(self.pending))
        hints = {f["task_id"]: hint(f.get("difficulty")) for f in self.fragments}
        return batch, (batch.assign(s, hints.get(s["task_id"])) for s in specs)

    def _record_pending(self, store: Store) -> None:
        with self.lock:
            for row in list(self.pending):
                try:
                    store.add_task(row)
                    self.pending.remove(row)
                except (sqlite3.Error, OSError):
                    return

    def summary(self, store: Store, wall: float) -> dict[str, Any]:
        arms = {}
        for arm in self.arms:
            arms[arm.arm_id] = store.summary(arm.arm_id) | {"mode": arm.mode, "k": arm.k, "budget": arm.budget,
                                                            "model": arm.model, "pipeline": arm.config.get("pipeline")}
            if self.batch is not None:
                arms[arm.arm_id]["batch_budget"] = self.batch.report(arm.arm_id)
        totals = {k: sum(a[k] for a in arms.values()) for k in (*SPEND_KEYS, "tasks", "succeeded", "error", "timeout")}
        totals["cost_usd"] = round(totals["cost_usd"], 6)
        return {"kind": self.kind, "out": str(self.out), "store": str(store.path), "executor": self.executor.name,
                "tasks": len(self.fragments), "arms": arms, "totals": totals, "wall_s": round(wall, 2)}


def keep_row(row: dict[str, Any]) -> None:
    """A row the runner made itself (a timeout, a dead worker) is kept in the run directory too, so a
    store that cannot take it now gets it on the next run instead of the task running again."""
    from agents.bench.cell import ROW_FILE
    from agents.trajectory import write_atomic

    path = Path(row.get("run_dir") or "") / ROW_FILE
    if row.get("run_dir") and not path.exists():
        try:
            write_atomic(path, _json(row))
        except OSError:
            pass


def _json(obj: Any) -> str:
    import json

    return json.dumps(obj, default=str)


def _spent(store: Store) -> dict[str, float]:
    out = {k: 0.0 for k in SPEND_KEYS}
    for arm in store.arms():
        s = store.summary(arm["arm_id"])
        for k in SPEND_KEYS:
            out[k] += s[k]
    return out


def make_executor(name: str, *, workers: int, timeout: float | None, address: str | None = None,
                  models: dict[str, Any] | None = None) -> Any:
    if models:  # model objects of this process: the cells run here (agents.bench.inline)
        from agents.bench.inline import InlineExecutor

        return InlineExecutor(models)
    if name == "local":
        if address:
            raise ConfigError("--address is for --executor ray")
        from agents.bench.local import LocalExecutor

        return LocalExecutor(workers, timeout)
    if name == "ray":
        from agents.bench.ray_exec import RayExecutor

        return RayExecutor(workers, timeout, address)
    raise ConfigError(f"bad --executor {name!r}: choose local or ray")


def run_bench(kind: str, spec: dict[str, Any], arms: list[Arm], *, out: Path, executor: str = "local",
              workers: int = 1, timeout: float | None = None, address: str | None = None,
              on_event: Callable[[dict], None] | None = None, warn: Callable[[str], None] | None = None,
              batch: Any = None) -> dict[str, Any]:
    """Plan, run and summarize a benchmark (see the module docstring); `batch`: agents.bench.batch."""
    fragments = plan_tasks(kind, spec)
    ex = make_executor(executor, workers=workers, timeout=timeout, address=address)
    return Runner(kind, fragments, arms, out=out, executor=ex, on_event=on_event, warn=warn, batch=batch).run()
