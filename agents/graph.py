"""Build a LangGraph `StateGraph` from stages; run it with SQLite checkpoints; resume a killed run.

Each stage is one graph node that runs *one step* and routes: accept/stop → next stage,
dig_deeper → itself (refine), pivot → itself or `stage.pivot_to` (fresh approach). LangGraph
checkpoints after every node, so a run killed mid-stage resumes at the step it was in, with the
budget ledger of the last checkpoint (completed steps are never charged twice).
State holds only JSON-able dicts, so checkpoints need no custom serializer.

The step records themselves are not in the graph state: LangGraph's SQLite saver writes the whole
state at every step, so a growing record list would make step n cost O(n). A `StepLog` keeps them
(in memory, appended to `trajectory.jsonl` before the step's checkpoint is written); the state
holds their count, and on resume the log is cut back to the count of the last checkpoint.
"""
from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Annotated, Any, TypedDict

from langgraph.graph import END, START, StateGraph

from budgets import Budget, BudgetTracker
from budgets.shares import fraction_of_remaining, nominal, tool_fractions

from agents.context import StepContext
from agents.errors import ConfigError
from agents.runtime import Runtime
from agents.stage import Stage
from agents.state import RunResult, StageResult, Task
from agents.trajectory import RunFiles, StepLog


SPEND_JOURNAL = "spend.jsonl"


def _merge(a: dict, b: dict) -> dict:
    return {**(a or {}), **(b or {})}


class GraphState(TypedDict, total=False):
    task: dict
    results: Annotated[dict, _merge]      # stage name -> StageResult
    steps: int                            # how many step records (in the StepLog) this state covers
    ledger: dict                          # BudgetTracker.ledger() after the last step
    cursor: dict                          # {"stage": name | None, "mode": "sample"|"refine"|"pivot"}
    visits: dict                          # stage name -> how many times the run entered it (budget slices)
    calls: dict                           # {"ok": model calls that returned, "errors": [first failures]}
    status: str                           # "running" | "completed" | "budget_exhausted"


class Pipeline:
    """An ordered list of stages. `answer(results)` says what the run returns (default: last stage's best)."""

    def __init__(self, stages: list[Stage], *, name: str = "custom", max_steps: int = 200):
        if not stages:
            raise ValueError("a pipeline needs at least one stage")
        names = [s.name for s in stages]
        if len(set(names)) != len(names):
            raise ValueError(f"stage names must be unique, got {names}")
        for s in stages:
            if s.pivot_to and s.pivot_to not in names:
                raise ValueError(f"stage {s.name!r} pivots to unknown stage {s.pivot_to!r}")
        self.stages, self.name, self.max_steps = stages, name, max_steps
        self._index = {s.name: i for i, s in enumerate(stages)}

    def answer(self, results: dict[str, StageResult]) -> Any:
        last = results.get(self.stages[-1].name)
        return last.best.content if last and last.best else None

    def shares(self) -> dict[str, float | None]:
        """Each stage's fraction of the run budget (`budgets.shares.nominal`: its `share`, or an equal
        part of what the others leave; None: no slice of its own, the run's caps apply)."""
        return dict(zip(self._index, nominal([s.share for s in self.stages])))

    def _bounded(self, caps: Budget) -> list[bool]:
        """Which stages take no share of a run capped by `caps`: those whose `need` names every
        dimension the run caps (and the capped tools they call); the others are sliced by share."""
        return [s.need is not None and s.need.covers(caps, s.tools) for s in self.stages]

    def _slice(self, stage: Stage, run: BudgetTracker, name: str) -> BudgetTracker:
        """The stage's slice of what the run has left (`budgets.shares`): its explicit `budget`, else
        for a bounded stage its need (the last stage: all that is left), else its share of what is left
        after the later bounded stages' needs are held back, with each tool's calls split only among
        the stages that call it (`Stage.tools`). Savings of early stages flow to later ones."""
        i, bounded = self._index[stage.name], self._bounded(run.budget)
        if stage.budget is None and bounded[i]:
            return run.child(name, None if i == len(self.stages) - 1 else stage.need)
        shares = [s.share for s in self.stages]
        held = None
        for later, b in zip(self.stages[i + 1:], bounded[i + 1:]):
            if b:
                held = later.need if held is None else held.plus(later.need)
        return run.child(name, stage.budget, share=fraction_of_remaining(shares, i, [not b for b in bounded]),
                         of_remaining=True, held=held,
                         tool_share=tool_fractions(shares, i, [s.tools for s in self.stages],
                                                   list(run.budget.tools), bounded))

    def config(self) -> dict[str, Any]:
        """Every stage's settings and components (written to run.json)."""
        return {"name": self.name, "max_steps": self.max_steps, "stages": [s.config() for s in self.stages]}

    def _next_stage(self, name: str) -> str | None:
        i = self._index[name] + 1
        return self.stages[i].name if i < len(self.stages) else None

    def build(self, runtime: Runtime, checkpointer: Any = None, log: StepLog | None = None):
        """The compiled graph; its nodes append their step records to `log` (a fresh in-memory one
        by default)."""
        log = log if log is not None else StepLog()
        graph = StateGraph(GraphState)
        for stage in self.stages:
            graph.add_node(stage.name, self._node(stage, runtime, log))
            graph.add_conditional_edges(stage.name, _route, [s.name for s in self.stages] + [END])
        graph.add_edge(START, self.stages[0].name)
        return graph.compile(checkpointer=checkpointer)

    def _node(self, stage: Stage, runtime: Runtime, log: StepLog):
        async def node(state: GraphState) -> dict:
            task = Task(**state["task"])
            results = {k: StageResult(**v) for k, v in (state.get("results") or {}).items()}
            result = results.get(stage.name) or StageResult(stage=stage.name)
            result.status = "running"
            n_steps = state.get("steps") or 0
            log.truncate(n_steps)  # a step that ran after the last checkpoint (then was lost) is redone
            records = list(log.records)
            history = [r for r in records if r.stage == stage.name]
            mode = (state.get("cursor") or {}).get("mode", "sample")
            visits = dict(state.get("visits") or {})
            visit = visits.setdefault(stage.name, 1)
            if stage.optional and stage.share == 0.0:  # the plan gives it nothing: skip it, spend nothing
                result.status, result.reason = "skipped", "skipped: its share of the budget is 0"
                nxt = self._next_stage(stage.name)
                runtime.emit("stage_skipped", stage=stage.name)
                return {"results": {stage.name: result.model_dump()}, "cursor": {"stage": nxt, "mode": "sample"},
                        "status": "running" if nxt else "completed", "visits": visits}
            # each entry into a stage (the first, or a pivot back from a later stage) gets a fresh
            # slice of what the run has left; steps within one visit share it
            slice_name = stage.name if visit <= 1 else f"{stage.name}#{visit}"
            stage_tracker = self._slice(stage, runtime.tracker, slice_name)
            tracker = (stage_tracker.child(f"step{len(history)}", stage.step_budget) if stage.step_budget
                       else stage_tracker)
            ctx = StepContext(task=task, stage=stage, runtime=runtime, tracker=tracker, results=results,
                              history=history, result=result, step=len(history), mode=mode,
                              records=records, stage_tracker=stage_tracker)
            runtime.emit("step_start", stage=stage.name, step=ctx.step, mode=mode)
            calls_before = (runtime.model_calls_ok, len(runtime.model_errors))
            record = await stage.run_step(ctx)
            record.run_id = state["task"].get("meta", {}).get("run_id", "")
            decision = record.decision
            result.steps += 1
            result.reason = decision.reason
            cursor: dict[str, Any]
            status = "running"
            if decision.action in ("accept", "stop"):
                result.status = "accepted" if decision.action == "accept" else "stopped"
                nxt = self._next_stage(stage.name)
                if runtime.tracker.exhausted() or (decision.action == "stop" and not runtime.tracker.can_afford(
                        ctx.last_step_spend())):
                    # the run itself is out of budget: later stages could not do anything
                    status, nxt = ("budget_exhausted" if nxt else "completed"), None
                cursor = {"stage": nxt, "mode": "sample"}
                if nxt is None and status == "running":
                    status = "completed"
            elif decision.action == "dig_deeper":
                result.digs += 1
                cursor = {"stage": stage.name, "mode": "refine"}
            else:  # pivot
                result.pivots += 1
                cursor = {"stage": decision.target or stage.name, "mode": "pivot"}
            if cursor["stage"] is not None and cursor["stage"] != stage.name:
                visits[cursor["stage"]] = visits.get(cursor["stage"], 0) + 1
            calls = dict(state.get("calls") or {"ok": 0, "errors": []})
            calls["ok"] = calls.get("ok", 0) + runtime.model_calls_ok - calls_before[0]
            calls["errors"] = (list(calls.get("errors") or []) + runtime.model_errors[calls_before[1]:])[:20]
            total_steps = n_steps + 1
            if cursor["stage"] is not None and total_steps >= self.max_steps:
                cursor, status = {"stage": None, "mode": "sample"}, "completed"
                result.reason += f" (run step limit {self.max_steps} reached)"
            runtime.emit("step_end", stage=stage.name, step=ctx.step, decision=decision.model_dump(),
                         budget=record.budget, spend=runtime.tracker.spent.summary())
            log.append(record)
            return {"results": {stage.name: result.model_dump()}, "steps": total_steps,
                    "ledger": runtime.tracker.ledger(), "cursor": cursor, "status": status, "visits": visits,
                    "calls": calls}

        node.__name__ = f"stage_{stage.name}"
        return node


def _route(state: GraphState) -> str:
    return (state.get("cursor") or {}).get("stage") or END


async def run(pipeline: Pipeline, task: Task, runtime: Runtime, *, run_dir: str | Path | None = None,
              config: dict[str, Any] | None = None, resume: bool = False) -> RunResult:
    """Run (or with `resume=True`, continue) `task` through `pipeline`. With `run_dir`, every step is
    checkpointed to `run_dir/checkpoints.sqlite` and written to `run_dir/trajectory.jsonl`."""
    from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

    files = RunFiles(run_dir) if run_dir else None
    started = time.time()
    if files is None:
        app = pipeline.build(runtime)
        final = await app.ainvoke(_initial(task, str(uuid.uuid4())), {"recursion_limit": pipeline.max_steps + 5})
        return _result(pipeline, final, runtime, time.time() - started)

    settings = json.loads(json.dumps(pipeline.config(), default=str))
    if not resume:
        files.start(task=task, config={**(config or {}), "pipeline_config": settings})
    else:
        stored = (files.meta().get("config") or {}).get("pipeline_config")
        if stored is not None and stored != settings:
            raise ConfigError(f"{files.dir} was started with other stage settings than this pipeline has "
                              "(the code or its options changed); start a new run")
    run_id = files.run_id()
    cfg = {"configurable": {"thread_id": run_id}, "recursion_limit": pipeline.max_steps + 5}
    log = StepLog(files)
    journal = files.dir / SPEND_JOURNAL
    if not resume:  # every reservation is on disk before its call goes out: a kill loses no spend
        runtime.tracker.attach_journal(journal)
    async with AsyncSqliteSaver.from_conn_string(str(files.checkpoints)) as saver:
        app = pipeline.build(runtime, checkpointer=saver, log=log)
        inputs: Any = _initial(task, run_id)
        if resume:
            snap = await app.aget_state(cfg)
            values = snap.values or {}
            started -= files.elapsed_before()
            log.load(values.get("steps") or 0)  # the checkpoint is the truth: later lines are dropped
            # the checkpoint's ledger, then what the journal recorded after it: calls settled since at
            # their actual spend, calls a kill left open at their reserved worst case
            runtime.tracker.restore(values.get("ledger") or {}, journal=journal)
            if values:
                # pending tasks (killed after a step's writes were saved, before its checkpoint): continue
                # from that checkpoint as it is; re-routing would drop those writes
                if (not snap.tasks and not snap.next and values.get("status") == "running"
                        and (values.get("cursor") or {}).get("stage")):
                    # killed between a step's write and its routing: route again from the stage that ran last
                    last = log.records[-1].stage if log.records else pipeline.stages[0].name
                    await app.aupdate_state(cfg, {}, as_node=last)
                    snap = await app.aget_state(cfg)
                if not snap.next and not snap.tasks:  # it had finished; nothing to do but report
                    result = _result(pipeline, values, runtime, files.elapsed_before())
                    files.finish(result)
                    return result
                inputs = None  # continue from the last checkpoint
        # durability="sync": a step's checkpoint is on disk before the next step starts, so a kill
        # at any moment leaves a checkpoint that says which stage runs next
        async for _ in app.astream(inputs, cfg, stream_mode="updates", durability="sync"):
            pass
        final = (await app.aget_state(cfg)).values
    result = _result(pipeline, final, runtime, time.time() - started)
    files.finish(result)
    return result


def _initial(task: Task, run_id: str) -> dict:
    data = task.model_dump()
    data.setdefault("meta", {})["run_id"] = run_id
    return {"task": data, "results": {}, "steps": 0, "ledger": {}, "cursor": {"stage": None, "mode": "sample"},
            "status": "running", "visits": {}, "calls": {"ok": 0, "errors": []}}


def _result(pipeline: Pipeline, final: dict, runtime: Runtime, wall: float) -> RunResult:
    results = {k: StageResult(**v) for k, v in (final.get("results") or {}).items()}
    status = final.get("status") or "completed"
    task = Task(**final["task"])
    calls = final.get("calls") or {}
    meta: dict[str, Any] = {}
    if calls.get("errors"):
        meta["errors"] = list(calls["errors"])
        if not calls.get("ok"):  # every model call of the run failed: whatever it returns is not an answer
            status = "failed"
    return RunResult(run_id=task.meta.get("run_id", ""), task=task,
                     status="completed" if status == "running" else status,
                     answer=pipeline.answer(results), stages=results, spend=runtime.tracker.spent.summary(),
                     steps=final.get("steps") or 0, wall_s=round(wall, 3), meta=meta)
