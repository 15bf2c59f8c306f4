"""A bounded stage (`Stage.need`: the most one visit spends, e.g. the SWE select stage's one judge
call) takes no share of the run: the stages before it hold its need back and split the rest. Before,
the 8k test-split runs' select stage held 2.9k-4.8k tokens (a quarter share plus what earlier stages
saved) and spent none of them, while every patch stage stopped on its token slice."""
import asyncio

from agents.graph import Pipeline, run
from agents.models.scripted import ScriptedModel
from agents.runtime import Runtime
from agents.stage import Stage
from agents.state import Task
from agents.swe.select import Select
from budgets import Budget, BudgetTracker


def test_budget_arithmetic_for_needs():
    left = Budget.parse("tokens=5000,usd=1,run_tests=4")
    need = Budget(tokens=1500, model_calls=2)
    held = left.less(need)
    assert (held.tokens, held.usd, held.model_calls, held.tools) == (3500, 1, None, {"run_tests": 4})
    assert Budget(tokens=100).less(Budget(tokens=400)).tokens == 0  # never below 0
    both = need.plus(Budget(tokens=500, usd=0.1, tools={"run_tests": 1}))
    assert (both.tokens, both.model_calls, both.usd, both.tools) == (2000, 2, 0.1, {"run_tests": 1})
    assert need.covers(Budget.parse("tokens=8k,run_tests=8"), tools=())      # select calls no tool
    assert not need.covers(Budget.parse("tokens=8k,run_tests=8"), tools=None)  # any tool: run_tests unnamed
    assert not need.covers(Budget.parse("usd=0.5"))                            # dollars unnamed
    assert Select().need.covers(Budget.parse("tokens=8k,run_tests=8"), Select.tools)


class Seen(Stage):
    k = 1
    caps: dict = {}

    async def run_step(self, ctx):
        left = ctx.runtime.tracker.remaining()["tokens"]  # the run's, when this stage's slice was cut
        Seen.caps[self.name] = (ctx.stage_tracker.budget.tokens, left)
        return await super().run_step(ctx)


def _run(stages, budget):
    Seen.caps = {}
    rt = Runtime(model=ScriptedModel(["x"] * 8), budget=Budget.parse(budget))
    result = asyncio.run(run(Pipeline(stages), Task(id="t", kind="t", input={}), rt))
    assert result.status == "completed"
    return Seen.caps


def _four(need):
    return [Seen("a", share=0.1), Seen("b", share=0.2), Seen("c", share=0.3), Seen("d", share=0.4, need=need)]


def test_the_stages_before_a_bounded_stage_hold_its_need_back_and_split_the_rest():
    caps = _run(_four(Budget(tokens=1000)), "tokens=4000")
    # a: its 0.1 of the 0.6 that the unbounded stages claim, of 4000 - 1000 held for d
    assert caps["a"] == (500, 4000)
    b_cap, b_left = caps["b"]
    assert b_cap == int((b_left - 1000) * 0.2 / 0.5)
    c_cap, c_left = caps["c"]
    assert c_cap == c_left - 1000          # the last unbounded stage: all but d's need
    assert caps["d"][0] is None            # the last stage: what is left (its work is bounded)


def test_a_need_that_leaves_a_capped_dimension_unnamed_keeps_the_share_split():
    # the run caps dollars too, which the need does not name: d keeps its 0.4 share as before
    caps = _run(_four(Budget(tokens=1000)), "tokens=4000,usd=1")
    assert caps["a"] == (400, 4000)
    c_cap, c_left = caps["c"]
    assert c_cap == int(c_left * 0.3 / 0.7)


def test_a_bounded_stage_before_others_gets_its_need_and_the_rest_flows_on():
    stages = [Seen("a", share=0.5, need=Budget(tokens=300)), Seen("b", share=0.5)]
    caps = _run(stages, "tokens=4000")
    assert caps["a"] == (300, 4000)
    b_cap, b_left = caps["b"]
    assert b_cap == b_left                 # the only stage with a share: all that is left


def test_the_tracker_holds_back_before_carving_a_share():
    run_tracker = BudgetTracker(Budget.parse("tokens=1000,run_tests=6"))
    child = run_tracker.child("x", share=0.5, of_remaining=True, held=Budget(tokens=200, tools={"run_tests": 2}))
    assert (child.budget.tokens, child.budget.tools) == (400, {"run_tests": 2})
