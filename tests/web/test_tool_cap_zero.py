"""A spent (or zero) cap on one tool is not a spent run: the engine's `exhausted()` looks at the
run's own dimensions (tokens, dollars, calls, seconds); `fraction_left()` still counts every cap."""
import asyncio

from agents.graph import run
from agents.models.scripted import ScriptedModel
from agents.runtime import Runtime
from agents.state import Task
from agents.web.env import close_all
from agents.web.pipeline import build
from budgets import Budget, BudgetTracker, Spend


def test_a_tool_at_its_cap_does_not_exhaust_the_run():
    t = BudgetTracker(Budget(tokens=1000, tools={"search": 1, "find": 0}))
    t.charge(Spend(tools={"search": 1}))
    assert t.fraction_left() == 0.0  # unchanged: the tightest cap, tools included
    assert not t.exhausted()
    t.charge(Spend(input_tokens=1000))
    assert t.exhausted()


def test_a_web_run_with_find_capped_at_zero_still_researches_after_its_plan(web_index):
    model = ScriptedModel(['{"tool": "open", "input": "1"}',  # one search: the plan asks no model
                           '{"answer": "3.9", "source": 1, "quote": "New in version 3.9. The zoneinfo module"}'])
    rt = Runtime(model=model, budget=Budget.parse("search=1,open=1,find=0,tokens=20k"))
    try:
        result = asyncio.run(run(build({"k": 1, "index": str(web_index)}),
                                 Task(id="q", kind="web", input={"question": "When was zoneinfo added?"}), rt))
    finally:
        close_all()
    assert result.stages["research"].steps >= 3
    assert result.answer["answer"] == "3.9" and result.answer["verified"] is True
