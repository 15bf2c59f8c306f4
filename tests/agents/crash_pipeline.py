"""A deterministic, slow three-stage pipeline run in a subprocess by test_resume.py.

usage: python crash_pipeline.py RUN_DIR [--resume]

Every request the model starts is appended to RUN_DIR/../requests.log (before it is answered), so a
test can count the calls a killed process made.
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
    def __init__(self, log: Path, **kw):
        super().__init__(**kw)
        self.log = log

    async def complete(self, messages, params):
        with self.log.open("a") as f:
            f.write(f"{messages[-1]['content']}\n")
        return await super().complete(messages, params)


async def main(run_dir, resume):
    model = LoggedModel(Path(run_dir).parent / f"{Path(run_dir).name}.requests.log", default=answer, delay=0.15,
                        input_tokens=7)
    rt = Runtime(model=model, budget=Budget(tokens=100_000))
    result = await run(pipeline(), Task(id="crash"), rt, run_dir=run_dir, resume=resume)
    print(json.dumps({"answer": result.answer, "steps": result.steps, "spend": result.spend,
                      "calls": len(model.calls)}))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], "--resume" in sys.argv))
