"""The judge's position-swap check (`LLMJudge(swap=True)`): the tied candidates are listed twice, the
second time in reverse order, and a pick counts only when both listings name the same candidate. A
judge that picks by position (the 1.5B picked the last-listed candidate in 7 of the select stage's 8
recorded ties on the dev split) then leaves the primary strategy's order."""
from __future__ import annotations

import re

from agents.context import StepContext
from agents.models.scripted import ScriptedModel
from agents.runtime import Runtime
from agents.stage import Stage
from agents.state import Candidate, StageResult, Task, Verdict
from agents.strategies import LLMJudge, TestVote, TieBreak
from budgets import Budget


def ctx_for(model: ScriptedModel, budget: Budget | None = None) -> StepContext:
    rt = Runtime(model=model, budget=budget)
    stage = Stage("s")
    return StepContext(task=Task(id="t", input={"prompt": "p"}), stage=stage, runtime=rt, tracker=rt.tracker,
                       results={}, history=[], result=StageResult(stage="s"), step=0, mode="sample")


def listed(messages) -> list[str]:
    """The candidates' contents in the order the judge prompt lists them."""
    return re.findall(r"### Candidate \d+\n(\S+)", messages[-1]["content"])


def by_content(word: str):
    """A judge that names the candidate whose content is `word`, wherever it is listed."""
    return lambda messages, params: '{"best": %d}' % listed(messages).index(word)


def by_position(i: int):
    return lambda messages, params: '{"best": %d}' % (i if i >= 0 else len(listed(messages)) + i)


def cands(*contents: str) -> list[Candidate]:
    return [Candidate(content=c, finish_order=i + 1) for i, c in enumerate(contents)]


async def test_a_pick_that_survives_the_reversed_order_wins():
    model = ScriptedModel(default=by_content("fix"))
    cs = cands("echo", "fix", "noop")
    sel = await LLMJudge(swap=True).select(ctx_for(model), cs, [])
    assert sel.winner == cs[1].id and "the same pick with the order reversed" in sel.reason
    first, second = (listed(c["messages"]) for c in model.calls)
    assert first == ["echo", "fix", "noop"] and second == ["noop", "fix", "echo"]
    assert sel.scores[cs[1].id] == 2.0  # both votes count


async def test_a_pick_that_moves_with_the_order_falls_back_to_the_verifier_scores():
    model = ScriptedModel(default=by_position(-1))  # always the last one listed
    cs = cands("a", "b")
    vs = [Verdict(candidate_id=cs[0].id, score=0.7), Verdict(candidate_id=cs[1].id, score=0.4)]
    sel = await LLMJudge(swap=True).select(ctx_for(model), cs, vs)
    assert sel.winner == cs[0].id and len(model.calls) == 2
    assert "judge picked candidate 1, then candidate 0 with the order reversed" in sel.reason
    # without the check the same judge's position bias decides
    assert (await LLMJudge().select(ctx_for(ScriptedModel(default=by_position(-1))), cs, vs)).winner == cs[1].id


async def test_no_budget_for_the_second_listing_keeps_the_first_pick_and_says_so():
    model = ScriptedModel(default=by_position(-1))
    cs = cands("a", "b")
    sel = await LLMJudge(swap=True).select(ctx_for(model, Budget(model_calls=1)), cs, [])
    assert sel.winner == cs[1].id and len(model.calls) == 1
    assert "order not checked: no budget left for a second call" in sel.reason
    once = ScriptedModel(['{"best": 1}'])  # runs out: the second listing gets no answer (recorded)
    ctx = ctx_for(once)
    sel = await LLMJudge(swap=True).select(ctx, cs, [])
    assert sel.winner == cs[1].id and "order not checked: no usable answer the second time" in sel.reason
    assert ctx.errors


async def test_in_a_tie_break_a_judge_that_cannot_decide_leaves_the_primary_order():
    """The tied candidates' verifier scores differ from the vote's (the vote counts tests, the verifier
    scores the run): an undecided judge must not re-rank them by the verifier's score."""
    cs = cands("greedy", "sample")
    same = {"tests": {"t1": True, "t2": False}}
    vs = [Verdict(candidate_id=cs[0].id, score=0.2, details=same),
          Verdict(candidate_id=cs[1].id, score=0.9, details=same)]
    tb = TieBreak(primary=TestVote(), judge=LLMJudge(swap=True))
    sel = await tb.select(ctx_for(ScriptedModel(default=by_position(-1))), cs, vs)
    assert sel.winner == cs[0].id and "with the order reversed; used verifier scores" in sel.reason
    decided = await tb.select(ctx_for(ScriptedModel(default=by_content("sample"))), cs, vs)
    assert decided.winner == cs[1].id and decided.ranking == [cs[1].id, cs[0].id]
