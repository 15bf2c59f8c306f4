"""`bench-scripted`: instant tasks for testing and measuring the benchmark runner itself (a scripted
model, a trivial verifier). Registered only when this module is imported (the runner's workers import
it because the kind's build lives here); never found by `scaleagent run`'s discovery.

Options: k (candidates per step), steps (refinements until a task is accepted; the score of a step
is (step+1)/steps), delay (seconds per model call). Tasks: `bench_tasks({"n": N})` → t0 … t{N-1};
`{"hang": [...], "crash": [...], "fail": [...]}` name tasks that block forever in the model, raise in
`task`, or never reach the accept score.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from agents.bench.cell import provide_model
from agents.controllers import RuleController
from agents.graph import Pipeline
from agents.models.scripted import ScriptedModel
from agents.pipelines import PipelineKind, register
from agents.stage import ModelStage
from agents.state import Task, Verdict

MODEL = "scripted/bench"
_delay = [0.0]


def _answer(messages: list, params: Any) -> str:
    text = messages[-1]["content"]
    if "hang" in text.split("|")[0].split():
        time.sleep(10**6)  # blocks the worker: only the runner's timeout ends it
    if _delay[0]:
        time.sleep(_delay[0])
    return "0" if " fail" in text else str(text.count("|") + 1)


class Trivial:
    """Score = the answer / steps (a refinement adds one); no sandbox."""

    def __init__(self, steps: int):
        self.steps = steps

    async def verify(self, ctx: Any, cands: list) -> list[Verdict]:
        return [Verdict(candidate_id=c.id, score=min(1.0, int(c.content) / self.steps), passed=int(c.content) >= self.steps)
                for c in cands if c.valid]


def build(o: dict[str, Any]) -> Pipeline:
    _delay[0] = float(o.get("delay", 0.0))
    steps = int(o.get("steps", 1))

    def prompt(ctx: Any) -> list[dict[str, str]]:
        tid = ctx.task.id
        flags = " ".join(f for f in ("hang", "fail") if f in (ctx.task.input.get("flags") or []))
        return [{"role": "user", "content": f"{tid} {flags}".strip() + " " + "|" * ctx.step}]

    ctl = RuleController(accept_score=1.0, promising=0.0, max_digs=steps + 1, max_steps=steps + 1)
    return Pipeline([ModelStage("answer", prompt, lambda ctx, t: int(t), k=int(o.get("k", 1)), verifier=Trivial(steps),
                                controller=ctl)], name="bench-scripted")


def task(cfg: dict[str, Any], run_dir: Path) -> Task:
    flags = list(cfg.get("flags") or [])
    if "crash" in flags:
        raise RuntimeError(f"task {cfg['task_id']} crashed on purpose")
    return Task(id=cfg["task_id"], kind="bench-scripted", input={"flags": flags})


def bench_tasks(spec: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for i in range(int(spec.get("n") or spec.get("limit") or 10)):
        tid = f"t{i}"
        flags = [f for f in ("hang", "crash", "fail") if tid in (spec.get(f) or [])]
        out.append({"task_id": tid} | ({"flags": flags} if flags else {}))
    return out


def score(result: Any, extra: dict[str, Any]) -> dict[str, Any]:
    best = max((s.verdict.score for s in result.stages.values() if s.verdict), default=0.0)
    return {"success": result.status == "completed" and best >= 1.0, "reward": best}


provide_model(ScriptedModel(name=MODEL, default=_answer, input_tokens=20, output_tokens=2, price=(1e-6, 2e-6)))
register(PipelineKind(name="bench-scripted", build=build, task=task, bench_tasks=bench_tasks, score=score, tools=(),
                      help="instant scripted tasks for testing the benchmark runner"))
