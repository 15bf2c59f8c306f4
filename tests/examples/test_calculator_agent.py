"""The interactive-stage example (examples/calculator_agent.py): act → observe steps, episode
control (accept / next action / pivot / stop), per-step budgets; scripted, then the local model."""
import asyncio
import importlib.util
import json
from pathlib import Path

import pytest

from agents import Pipeline, Runtime, Task, run
from agents.models.scripted import ScriptedModel
from budgets import Budget

ROOT = Path(__file__).resolve().parents[2]


def _example():
    spec = importlib.util.spec_from_file_location("calculator_agent", ROOT / "examples" / "calculator_agent.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


calc = _example()
TASK = Task(id="eggs", input={"question": calc.QUESTION, "answer": calc.ANSWER})


def call(tool, text):
    return json.dumps({"tool": tool, "input": text})


async def _run(replies, tmp_path, **stage):
    model = ScriptedModel(replies)
    pipe = Pipeline([calc.CalculatorAgent(k=1, **stage)], name="calculator")
    result = await run(pipe, TASK, Runtime(model=model, budget=Budget(tokens=50_000)), run_dir=tmp_path / "run")
    steps = [json.loads(x) for x in (tmp_path / "run" / "trajectory.jsonl").read_text().splitlines()]
    return result, steps, model


async def test_each_action_is_applied_and_the_next_step_sees_its_observation(tmp_path):
    result, steps, model = await _run([call("calc", "12*7+5"), call("answer", "89")], tmp_path)
    assert [s["observation"] for s in steps] == [{"result": 89}, {"done": True, "success": True,
                                                                  "summary": "answered 89"}]
    assert [s["decision"]["action"] for s in steps] == ["dig_deeper", "accept"]
    assert "12*7+5" in model.calls[1]["messages"][-1]["content"] and '{"result": 89}' in model.calls[1]["messages"][-1]["content"]
    assert result.stages["act"].status == "accepted"


async def test_a_wrong_answer_resets_the_episode_and_the_next_one_knows(tmp_path):
    result, steps, model = await _run([call("answer", "93"), call("calc", "12*7+5"), call("answer", "89")], tmp_path)
    assert [s["decision"]["action"] for s in steps] == ["pivot", "dig_deeper", "accept"]
    assert [s["mode"] for s in steps] == ["sample", "pivot", "refine"]
    second = model.calls[1]["messages"][-1]["content"]
    assert "Wrong answers from earlier attempts: 93" in second and "nothing yet" in second  # a fresh episode


async def test_failed_actions_in_a_row_pivot_then_the_action_limit_stops(tmp_path):
    replies = ["not json", call("calc", "import os"), call("calc", "1/0"), call("calc", "2+2")] * 3
    result, steps, _ = await _run(replies, tmp_path)
    actions = [s["decision"]["action"] for s in steps]
    assert actions[:2] == ["dig_deeper", "pivot"]          # two failures in a row: lost, reset
    assert "failed actions in a row" in steps[1]["decision"]["reason"]
    assert steps[2]["observation"] == {"error": "ZeroDivisionError: division by zero"}
    assert actions[-1] == "stop" and len(steps) <= 8


async def test_each_action_has_its_own_budget(tmp_path):
    """Every action gets its own slice (`step_budget`): one that cannot pay for a single call stops
    the episode at once (no step ever could) instead of spinning through empty steps."""
    result, steps, _ = await _run([call("calc", "1+1")] * 4, tmp_path, step_budget=Budget(tokens=10))
    assert len(steps) == 1 and steps[0]["candidates"] == []
    assert "step budget cannot pay for one request" in steps[0]["decision"]["reason"]
    assert "run/act/step0" in steps[0]["decision"]["reason"] and result.spend["model_calls"] == 0
    ok, ok_steps, _ = await _run([call("calc", "12*7+5"), call("answer", "89")], tmp_path / "ok",
                                 step_budget=Budget(tokens=2000))
    assert [s["decision"]["action"] for s in ok_steps] == ["dig_deeper", "accept"]
    assert all(s["spend"]["input_tokens"] + s["spend"]["output_tokens"] <= 2000 for s in ok_steps)


def test_calc_never_executes_code():
    assert calc.calc("(12*7) + 5") == 89
    for bad in ("__import__('os')", "open('x')", "[1]*9", "a+1"):
        with pytest.raises((ValueError, SyntaxError)):
            calc.calc(bad)


@pytest.mark.slow
def test_the_example_runs_on_the_local_model(tmp_path):
    out = asyncio.run(calc.main("local/smollm2-135m", "tokens=3k", 2))
    assert out["steps"] >= 1 and out["status"] in ("completed", "budget_exhausted")
    assert out["spend"]["input_tokens"] + out["spend"]["output_tokens"] <= 3000
    assert out["spend"]["model_calls"] >= 1
