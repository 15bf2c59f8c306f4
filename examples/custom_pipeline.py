"""A custom two-stage pipeline in ~30 lines: sample K answers and vote, then explain the winner,
with a judge model scoring the explanations. Runs on the embedded local model by default.

    python examples/custom_pipeline.py [--model local/qwen2.5-coder-0.5b] [--budget tokens=20k]
"""
import argparse
import asyncio
import re

from agents import AcceptController, JudgeVerifier, ModelStage, Pipeline, RuleController, Runtime, Task, run
from agents.strategies import MajorityVote
from budgets import Budget

QUESTION = "A shop sells pens at 3 dollars each. How many dollars do 7 pens cost? Answer with a number."


def ask(ctx):
    return [{"role": "user", "content": f"{ctx.task.input['prompt']}\n(Budget left: {ctx.budget_text()})"}]


def number(ctx, text):
    return re.findall(r"-?\d+", text)[-1]  # no number: the candidate is invalid


def explain(ctx):
    return [{"role": "user", "content": f"In one sentence, explain why the answer to '{ctx.task.input['prompt']}' "
                                        f"is {ctx.output('answer')}."}]


async def main(model: str, budget: str) -> None:
    pipeline = Pipeline([
        ModelStage("answer", ask, number, k=5, share=0.5, strategy=MajorityVote(), controller=AcceptController()),
        ModelStage("explain", explain, k=2, max_tokens=80, verifier=JudgeVerifier(),
                   controller=RuleController(accept_score=0.7, max_steps=2)),
    ])
    result = await run(pipeline, Task(id="pens", input={"prompt": QUESTION}),
                       Runtime(model=model, budget=Budget.parse(budget)))
    print("answer:", result.stages["answer"].best.content if result.stages["answer"].best else None)
    print("explanation:", result.answer)
    print("spend:", result.spend)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="local/qwen2.5-coder-0.5b")
    ap.add_argument("--budget", default="tokens=20k")
    args = ap.parse_args()
    asyncio.run(main(args.model, args.budget))
