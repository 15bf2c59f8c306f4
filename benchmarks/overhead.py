"""Engine overhead per step: scaleagent's stage engine with an instant model and SQLite checkpoints,
against a bare LangGraph graph with the same nodes and the same checkpointer, in the same run.

    python benchmarks/overhead.py --json
prints one JSON line: {"ratio_vs_langgraph": ours/bare, "ms_per_step": ..., ...}. Targets: ratio ≤ 2, < 5 ms/step.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import operator
import statistics
import tempfile
import time
from pathlib import Path
from typing import Annotated, TypedDict

from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
from langgraph.graph import END, START, StateGraph

from agents import ModelStage, Pipeline, RuleController, Runtime, Task, Verdict, run
from agents.models.scripted import ScriptedModel


class Never:
    """Verifier that never accepts, so the stage digs deeper until its step limit."""

    async def verify(self, ctx, cands):
        return [Verdict(candidate_id=c.id, score=0.5) for c in cands]


async def ours(steps: int, stages: int, root: Path) -> float:
    per_stage = steps // stages
    ctl = RuleController(accept_score=1.0, promising=0.0, max_digs=10**6, max_steps=per_stage)
    pipe = Pipeline([ModelStage(f"s{i}", lambda ctx: [{"role": "user", "content": "go"}], k=1, verifier=Never(),
                                controller=ctl) for i in range(stages)], max_steps=steps + 10)
    rt = Runtime(model=ScriptedModel(default="ok"))
    t0 = time.perf_counter()
    result = await run(pipe, Task(id="bench"), rt, run_dir=root / f"ours-{time.time_ns()}")
    elapsed = time.perf_counter() - t0
    assert result.steps == per_stage * stages, result.steps
    return elapsed


class Bare(TypedDict, total=False):
    records: Annotated[list, operator.add]
    cursor: dict


async def bare(steps: int, stages: int, root: Path) -> float:
    per_stage = steps // stages
    names = [f"s{i}" for i in range(stages)]

    def make(i: int):
        async def node(state: Bare) -> dict:
            n = sum(1 for r in state.get("records", []) if r["stage"] == names[i])
            nxt = names[i] if n + 1 < per_stage else (names[i + 1] if i + 1 < stages else None)
            return {"records": [{"stage": names[i], "step": n, "text": "ok"}], "cursor": {"stage": nxt}}
        return node

    g = StateGraph(Bare)
    for i, name in enumerate(names):
        g.add_node(name, make(i))
        g.add_conditional_edges(name, lambda s: s["cursor"]["stage"] or END, names + [END])
    g.add_edge(START, names[0])
    db = root / f"bare-{time.time_ns()}.sqlite"
    t0 = time.perf_counter()
    async with AsyncSqliteSaver.from_conn_string(str(db)) as saver:
        app = g.compile(checkpointer=saver)
        await app.ainvoke({"records": [], "cursor": {}}, {"configurable": {"thread_id": "b"},
                                                          "recursion_limit": steps + 10}, durability="sync")
    return time.perf_counter() - t0


async def main(steps: int, stages: int, repeats: int) -> dict:
    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        await ours(10, 2, root)  # warm imports and caches
        await bare(10, 2, root)
        o, b = [], []
        for _ in range(repeats):  # interleave so machine noise hits both alike
            o.append(await ours(steps, stages, root))
            b.append(await bare(steps, stages, root))
    mo, mb = statistics.median(o), statistics.median(b)
    return {"benchmark": "overhead", "steps": steps, "stages": stages, "repeats": repeats,
            "ratio_vs_langgraph": round(mo / mb, 3), "ms_per_step": round(1000 * mo / steps, 3),
            "langgraph_ms_per_step": round(1000 * mb / steps, 3),
            "overhead_ms_per_step": round(1000 * (mo - mb) / steps, 3), "target": {"ratio": 2.0, "ms_per_step": 5.0}}


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--stages", type=int, default=4)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--json", action="store_true", help="print one JSON line")
    a = ap.parse_args()
    res = asyncio.run(main(a.steps, a.stages, a.repeats))
    print(json.dumps(res) if a.json else json.dumps(res, indent=2))
