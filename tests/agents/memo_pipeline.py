"""A slow one-stage pipeline whose stage keeps a random token and a step list in `ctx.memo`, run in a
subprocess by test_engine_v2_resume.py (killed with SIGKILL, then resumed).

Every prompt (and so every candidate, echoed back) carries the memo's token, the step and whether
the verdicts of earlier steps came back as their own `Details` subclass.

usage: python memo_pipeline.py RUN_DIR [--resume] [--die-before-checkpoint N]
  --die-before-checkpoint N: the process exits (as if SIGKILLed) right after the writes of the step
  that makes the step count N are saved, before their checkpoint
"""
import asyncio
import json
import sys
import uuid

from agents import Pipeline, RuleController, Runtime, Stage, Task, Verdict, run
from agents.models.scripted import ScriptedModel
from agents.state import Details
from budgets import Budget

STEPS = 10


class MemoDetails(Details):
    kind: str = "tests.memo_pipeline"
    token: str = ""


class Check:
    async def verify(self, ctx, cands):
        return [Verdict(candidate_id=c.id, score=0.5, details=MemoDetails(token=c.content.split("|")[0]))
                for c in cands if c.valid]


class Remember(Stage):
    name = "memo"
    k = 1

    def __init__(self):
        super().__init__(verifier=Check(),
                         controller=RuleController(accept_score=1.0, promising=0.0, max_digs=99, max_steps=STEPS))

    def prompt(self, ctx):
        if "token" not in ctx.memo:  # step 0 only, unless the memo was lost
            ctx.memo["token"] = uuid.uuid4().hex
        ctx.memo.setdefault("steps", []).append(ctx.step)
        typed = all(isinstance(v.details, MemoDetails) for r in ctx.history for v in r.verdicts)
        return [{"role": "user", "content": f"{ctx.memo['token']}|{ctx.step}|{typed}"}]


def echo(messages, params):
    return messages[-1]["content"]


async def main(run_dir, resume):
    model = ScriptedModel(default=echo, delay=0.15)
    result = await run(Pipeline([Remember()]), Task(id="memo"), Runtime(model=model, budget=Budget(tokens=100_000)),
                       run_dir=run_dir, resume=resume)
    print(json.dumps({"answer": result.answer, "steps": result.steps, "memo": result.stages["memo"].memo,
                      "calls": len(model.calls)}))


def die_before_checkpoint(n: int) -> None:
    """Exit (like SIGKILL: no cleanup) right after LangGraph saved the writes of the step that brings
    the state's step count to n, before the checkpoint that would hold them."""
    import os

    from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

    original = AsyncSqliteSaver.aput_writes

    async def aput_writes(self, config, writes, task_id, task_path=""):
        await original(self, config, writes, task_id, task_path)
        if any(channel == "steps" and value == n for channel, value in writes):
            os._exit(9)

    AsyncSqliteSaver.aput_writes = aput_writes


if __name__ == "__main__":
    if "--die-before-checkpoint" in sys.argv:
        die_before_checkpoint(int(sys.argv[sys.argv.index("--die-before-checkpoint") + 1]))
    asyncio.run(main(sys.argv[1], "--resume" in sys.argv))
