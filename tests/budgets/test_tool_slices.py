"""A tool's calls are sliced only among the stages that call it (`Stage.tools`): a stage that never
calls a tool holds none of its calls back. Before, the SWE select stage (which runs no test) kept
its share of `run_tests` while the patch stage stopped on "run_tests 0/3 left"."""
import asyncio

from agents.graph import Pipeline, run
from agents.models.scripted import ScriptedModel
from agents.runtime import Runtime
from agents.stage import Stage
from agents.state import Task
from budgets import Budget
from budgets.shares import fraction_of_remaining, tool_fractions


def test_a_tool_is_split_among_the_stages_that_call_it():
    shares = [0.25, 0.25, 0.25, 0.25]
    calls = [(), ("run_tests",), ("run_tests",), ()]
    assert tool_fractions(shares, 0, calls, ["run_tests"]) == {"run_tests": 0.0}
    assert tool_fractions(shares, 1, calls, ["run_tests"]) == {"run_tests": 0.5}
    assert tool_fractions(shares, 2, calls, ["run_tests"]) == {"run_tests": 1.0}  # select does not call it
    assert tool_fractions(shares, 3, calls, ["run_tests"]) == {"run_tests": 0.0}
    assert fraction_of_remaining(shares, 2) == 0.5  # tokens: every stage spends them, as before
    # a stage that may call any tool (None) keeps its part; no stage declaring: nothing differs
    assert tool_fractions(shares, 2, [(), None, None, None], ["run_tests"]) == {"run_tests": 0.5}
    assert tool_fractions(shares, 1, [None] * 4, ["run_tests"]) == {}
    assert tool_fractions([None] * 4, 1, calls, ["run_tests"]) == {}  # no slices at all: the run's caps


class Uses(Stage):
    k = 1
    seen: dict = {}

    async def run_step(self, ctx):
        Uses.seen[self.name] = ctx.stage_tracker.budget.tools.get("run_tests")
        return await super().run_step(ctx)


def test_the_engine_gives_a_stage_no_calls_of_a_tool_it_does_not_call():
    stages = [Uses("a", share=0.25, tools=()), Uses("b", share=0.25, tools=("run_tests",)),
              Uses("c", share=0.25, tools=("run_tests",)), Uses("d", share=0.25, tools=())]
    rt = Runtime(model=ScriptedModel(["x"] * 4), budget=Budget.parse("tokens=4000,run_tests=8"))
    result = asyncio.run(run(Pipeline(stages), Task(id="t", kind="t", input={}), rt))
    assert result.status == "completed"
    # b half of the 8, c all that is left (b spent none); before: a 2, b 2, c 4, d 8 (the rest)
    assert Uses.seen == {"a": 0, "b": 4, "c": 8, "d": 0}
