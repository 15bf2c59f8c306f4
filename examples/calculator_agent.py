"""An interactive stage on the engine's public API: a tool-calling calculator agent.

Each step samples K candidate tool calls (JSON, constrained by a schema), a majority vote over
identical calls picks one, `apply` executes it on the environment and returns an observation the
next step sees; the `EpisodeController` accepts when the agent answers correctly, digs deeper (the
next action) otherwise, pivots (a fresh episode) after repeated failed actions or a wrong answer,
and stops on the action limit or the budget. Each action has its own budget (`step_budget`), the
episode its own (the stage's). Runs on the embedded local model by default:

    python examples/calculator_agent.py [--model local/qwen2.5-coder-0.5b] [--budget tokens=6k] [--k 3]
"""
from __future__ import annotations

import argparse
import ast
import asyncio
import json
import operator
from typing import Any

from agents import EpisodeController, Pipeline, Runtime, Stage, Task, run
from agents.strategies import MajorityVote
from budgets import Budget

QUESTION = "A box holds 12 eggs. A baker uses 7 boxes and then 5 more eggs. How many eggs does she use?"
ANSWER = 89
SCHEMA = {"type": "object", "properties": {"tool": {"type": "string", "enum": ["calc", "answer"]},
                                           "input": {"type": "string"}}, "required": ["tool", "input"]}
_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
        ast.USub: operator.neg, ast.UAdd: operator.pos}


def calc(expression: str) -> float:
    """Arithmetic only (+ - * / and parentheses on numbers): the model's text is never executed."""
    def value(node: ast.AST) -> float:
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return node.value
        if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
            return _OPS[type(node.op)](value(node.left), value(node.right))
        if isinstance(node, ast.UnaryOp) and type(node.op) in _OPS:
            return _OPS[type(node.op)](value(node.operand))
        raise ValueError(f"not arithmetic: {ast.dump(node)[:60]}")
    return value(ast.parse(expression.strip(), mode="eval").body)


class CalculatorAgent(Stage):
    name = "act"
    k = 3
    max_tokens = 48
    temperature = 0.7

    def __init__(self, **kw: Any):
        kw.setdefault("strategy", MajorityVote())
        kw.setdefault("controller", EpisodeController(max_steps=8, max_pivots=2, lost_after=2))
        super().__init__(**kw)

    def prompt(self, ctx) -> list[dict[str, str]]:
        lines = [f"- {c.content if c else 'no valid action'} -> {json.dumps(o)}" for c, o in ctx.episode()]
        done = "\n".join(lines) or "- nothing yet"
        wrong = [c.content["input"] for rec in ctx.history for c in rec.candidates
                 if rec.observation and rec.observation.get("success") is False and rec.selection
                 and c.id == rec.selection.winner]
        note = f"\nWrong answers from earlier attempts: {', '.join(wrong)}." if wrong else ""
        return [{"role": "system", "content": "You solve word problems with a calculator tool. First compute with "
                 '{"tool": "calc", "input": "<arithmetic expression>"}, then reply {"tool": "answer", "input": '
                 '"<number>"} with the calculator\'s result. Reply with one JSON tool call only.'},
                {"role": "user", "content": f"Problem: {ctx.task.input['question']}{note}\nActions so far:\n{done}\n"
                 f"Budget left: {ctx.budget_text()}\nYour next tool call:"}]

    def params(self, ctx, n: int | None = None, **update: Any):
        return super().params(ctx, n, json_schema=SCHEMA, **update)

    def parse(self, ctx, request, text: str) -> dict[str, str]:
        data = json.loads(text)
        if data.get("tool") not in ("calc", "answer") or not isinstance(data.get("input"), str):
            raise ValueError("not a calc or answer call")
        return {"tool": data["tool"], "input": data["input"].strip()}

    def key(self, ctx, content: dict[str, str]) -> str:
        return json.dumps(content, sort_keys=True).replace(" ", "")

    async def apply(self, ctx, winner) -> dict[str, Any]:
        action = winner.content
        if action["tool"] == "calc":
            try:
                return {"result": calc(action["input"])}
            except (ValueError, SyntaxError, ZeroDivisionError) as e:
                return {"error": f"{type(e).__name__}: {e}"}
        try:
            correct = abs(float(action["input"]) - float(ctx.task.input["answer"])) < 1e-6
        except ValueError:
            return {"error": f"the answer {action['input']!r} is not a number"}
        return {"done": True, "success": correct, "summary": f"answered {action['input']}"}


async def main(model: str, budget: str, k: int) -> dict[str, Any]:
    pipeline = Pipeline([CalculatorAgent(k=k, step_budget=Budget(tokens=1500))], name="calculator")
    result = await run(pipeline, Task(id="eggs", input={"question": QUESTION, "answer": ANSWER}),
                       Runtime(model=model, budget=Budget.parse(budget)))
    stage = result.stages["act"]
    return {"status": result.status, "accepted": stage.status == "accepted", "steps": stage.steps,
            "pivots": stage.pivots, "reason": stage.reason, "last_action": result.answer, "spend": result.spend}


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="local/qwen2.5-coder-0.5b")
    ap.add_argument("--budget", default="tokens=6k")
    ap.add_argument("--k", type=int, default=3)
    args = ap.parse_args()
    print(json.dumps(asyncio.run(main(args.model, args.budget, args.k)), indent=2))
