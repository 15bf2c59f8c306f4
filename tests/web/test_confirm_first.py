"""Confirming a first answer (EvidenceVerifier.confirm_first, BatsController.can_follow_up): when the
judge model's yes accepts a run's first answer and its own reading of the passage names something else,
the tracker spends budget left on reading on; the disputed answer stays the answer unless another one
passes the risen bar. Scripted agent and judge models over the small test corpus."""
import asyncio

import pytest

from agents.graph import run
from agents.models.scripted import ScriptedModel
from agents.runtime import Runtime
from agents.state import Task
from agents.web.env import close_all
from agents.web.pipeline import build, reason
from budgets import Budget

from test_pipeline_scripted import GOOD, PLAN3, Q, WRONG


@pytest.fixture(autouse=True)
def _close():
    yield
    close_all()


def _judged(web_index, budget, judge_says, agent_after, script=(PLAN3, '{"tool": "open", "input": "1"}',
                                                               '{"tool": "answer", "input": "3.9"}', GOOD), **options):
    agent = ScriptedModel(list(script), default=agent_after)
    judge = ScriptedModel(judge_says[:-1], default=judge_says[-1])
    rt = Runtime(model=agent, budget=Budget.parse(budget))
    rt._models["local/judge"] = judge
    result = asyncio.run(run(build({"k": 1, "index": str(web_index), "judge_model": "local/judge"} | options),
                             Task(id="q", kind="web", input={"question": Q}), rt))
    return result, judge


def test_a_first_answer_the_judges_own_reading_disputes_is_confirmed_with_the_budget_left(web_index):
    """The yes/no judge accepts the first answer, the judge's own answer from the passage names something
    else: with budget left the tracker reads on instead of accepting; a later answer must pass the risen bar
    (the judge's own reading agrees), and the disputed answer stays the run's answer until one does."""
    result, judge = _judged(web_index, "search=3,open=3,find=3", ["yes", "3.7", "3.9"], GOOD)
    research = result.stages["research"]
    assert research.memo["disputed"] == ["3.9"] and "3.9" not in (research.memo.get("rejected") or [])
    assert research.memo["said"] == ["3 9", "3 9"]  # read on, answered again
    assert "draft" not in research.memo  # the act step's draft of the disputed answer is not shown again
    assert result.answer["answer"] == "3.9" and result.answer["verified"] is True
    assert research.verdict.details.disputed is None and research.verdict.score > 0.5  # the confirmed one
    assert "answer verified" in reason(result)
    assert "Proposed answer" not in judge.calls[-1]["messages"][-1]["content"]  # the risen bar: its own reading
    assert result.spend["tool_calls"]["open"] + result.spend["tool_calls"].get("find", 0) >= 2


def test_a_disputed_answer_stays_the_answer_when_no_later_one_verifies(web_index):
    result, _ = _judged(web_index, "search=2,open=2,find=0", ["yes", "3.7"], WRONG)
    research = result.stages["research"]
    assert research.memo["disputed"] == ["3.9"] and "3 7" in research.memo["said"]
    assert result.answer["answer"] == "3.9"  # ranked above every unverified answer (WRONG's 3.7)
    assert research.verdict.details.disputed == "3.7" and research.verdict.score == 0.5


def test_with_nothing_left_to_confirm_with_the_yes_is_not_questioned(web_index):
    # after the one open nothing is left: the next step answers
    result, judge = _judged(web_index, "search=1,open=1,find=0", ["yes", "3.7"], GOOD,
                            script=('{"tool": "open", "input": "1"}', GOOD))
    assert len(judge.calls) == 1 and "disputed" not in result.stages["research"].memo
    assert result.answer["answer"] == "3.9" and "answer verified" in reason(result)


def test_confirming_first_answers_can_be_turned_off(web_index):
    """`--no-confirm`: the judge's yes is the last word on a first answer, as before."""
    result, judge = _judged(web_index, "search=3,open=3,find=3", ["yes", "3.7"], GOOD, confirm_first=False)
    assert len(judge.calls) == 1 and "disputed" not in result.stages["research"].memo
    assert result.answer["verified"] is True and result.stages["research"].memo["answers"] == 1
