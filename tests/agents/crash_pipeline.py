"""A deterministic, slow three-stage pipeline run in a subprocess by test_resume.py.

usage: python crash_pipeline.py RUN_DIR [--resume] [--stall-from N]

Every request the model starts is appended to RUN_DIR/../requests.log (before it is answered), so a
test can count the calls a killed process made. With --stall-from N the N-th request of this process
never returns (it waits to be killed): a test that kills the process once the log holds N lines kills it
with exactly that request in flight, however loaded the machine is.
"""
import asyncio
import json
import sys
from pathlib import Path

from agents import ModelStage, Pipeline, RuleController, Runtime, Task, Verdict, run
from agents.models.scripted import ScriptedModel
from budgets import Budget


class Score:
    async def verify(self, ctx, cands):
        return [Verdict(candidate_id=c.id, score=min(1.0, int(c.content) / 6)) for c in cands if c.valid]


def answer(messages, params):
    text = messages[-1]["content"]
    step = text.count("|")  # prompts grow by one '|' per refinement
    return str(min(6, 2 + step))


def prompt(ctx):
    prev = ctx.output("s1") or 0
    return [{"role": "user", "content": f"{ctx.stage.name} prev={prev}" + "|" * ctx.step}]


def pipeline():
    ctl = RuleController(accept_score=1.0, promising=0.0, max_digs=9, max_steps=9)
    return Pipeline([ModelStage(n, prompt, lambda ctx, t: int(t), k=2, verifier=Score(), controller=ctl)
                     for n in ("s1", "s2", "s3")])


class LoggedModel(ScriptedModel):
    def __init__(self, log: Path, stall_from: int | None = None, **kw):
        super().__init__(**kw)
        self.log = log
        self.stall_from = stall_from
        self.started = 0

    async def complete(self, messages, params):
        self.started += 1
        with self.log.open("a") as f:
            f.write(f"{messages[-1]['content']}\n")
        if self.stall_from is not None and self.started >= self.stall_from:
            await asyncio.sleep(3600)  # in flight until the test kills this process
        return await super().complete(messages, params)


async def main(run_dir, resume, stall_from):
    model = LoggedModel(Path(run_dir).parent / f"{Path(run_dir).name}.requests.log", stall_from, default=answer,
                        delay=0.15, input_tokens=7)
    rt = Runtime(model=model, budget=Budget(tokens=100_000))
    result = await run(pipeline(), Task(id="crash"), rt, run_dir=run_dir, resume=resume)
    print(json.dumps({"answer": result.answer, "steps": result.steps, "spend": result.spend,
                      "calls": len(model.calls)}))


if __name__ == "__main__":
    stall = int(sys.argv[sys.argv.index("--stall-from") + 1]) if "--stall-from" in sys.argv else None
    asyncio.run(main(sys.argv[1], "--resume" in sys.argv, stall))
