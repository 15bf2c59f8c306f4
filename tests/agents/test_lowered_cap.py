"""A call whose one sample does not fit the budget at `max_tokens` runs with its output cap lowered
to what fits, down to the caller's `min_tokens` (never past a cap); without `min_tokens` it is
refused as before."""
import asyncio

import pytest

from agents import calls
from agents.models.base import GenerationParams
from agents.models.scripted import ScriptedModel
from budgets import Budget, BudgetExceeded, BudgetTracker

MESSAGES = [{"role": "user", "content": "fix it"}]


def _tracker(tokens: int) -> BudgetTracker:
    return BudgetTracker(Budget(tokens=tokens))


def test_one_sample_runs_with_the_cap_lowered_to_what_fits():
    model = ScriptedModel(["short fix"])
    prompt = model.count_tokens_upper_bound(MESSAGES)
    tracker = _tracker(prompt + 700)
    params = GenerationParams(n=3, max_tokens=1200, min_tokens=400)
    assert calls.affordable_n(model, tracker, MESSAGES, params) == 0
    assert calls.affordable_cap(model, tracker, MESSAGES, params) == 700   # the largest that fits
    out = asyncio.run(calls.complete(model, tracker, MESSAGES, params))
    assert out.texts == ["short fix"]
    assert model.calls[-1]["params"]["n"] == 1 and model.calls[-1]["params"]["max_tokens"] == 700
    assert tracker.spent.input_tokens + tracker.spent.output_tokens <= prompt + 700


def test_no_lowering_below_min_tokens_or_without_it():
    model = ScriptedModel(["x"])
    prompt = model.count_tokens_upper_bound(MESSAGES)
    tracker = _tracker(prompt + 300)
    with pytest.raises(BudgetExceeded, match="not enough budget left"):
        asyncio.run(calls.complete(model, tracker, MESSAGES, GenerationParams(max_tokens=1200, min_tokens=400)))
    with pytest.raises(BudgetExceeded, match="not enough budget left"):
        asyncio.run(calls.complete(model, tracker, MESSAGES, GenerationParams(max_tokens=1200)))
    assert model.calls == []


def test_samples_that_fit_at_the_full_cap_keep_it():
    model = ScriptedModel(["a", "b"])
    prompt = model.count_tokens_upper_bound(MESSAGES)
    tracker = _tracker(prompt + 2 * 500 + 10)
    asyncio.run(calls.complete(model, tracker, MESSAGES, GenerationParams(n=3, max_tokens=500, min_tokens=100)))
    assert model.calls[-1]["params"]["max_tokens"] == 500  # fewer samples first, the cap untouched


def test_samples_the_budget_cannot_reserve_at_once_are_drawn_as_earlier_ones_settle():
    """n=3 whose worst case fits one sample at a time: the first call draws one, and as each settles far
    below its reservation the next is drawn, seeds continuing (as one call of 3 would number them); no
    cap is passed. Once the worst case of one more does not fit, the drawing stops with what it has."""
    model = ScriptedModel(["a", "b", "c", "d"])
    prompt = model.count_tokens_upper_bound(MESSAGES)
    params = GenerationParams(n=3, max_tokens=500, seed=7)
    tracker = _tracker(prompt + 500 + 40)                      # one sample's worst case, with room to spare
    assert calls.affordable_n(model, tracker, MESSAGES, params) == 1
    out = asyncio.run(calls.complete(model, tracker, MESSAGES, params))
    assert out.texts == ["a", "b", "c"] and len(model.calls) == 3
    assert [c["params"]["seed"] for c in model.calls] == [7, 8, 9] and [c["params"]["n"] for c in model.calls] == [1] * 3
    assert out.usage.calls == 3 and tracker.spent.input_tokens + tracker.spent.output_tokens <= prompt + 540
    spent = tracker.spent.input_tokens + tracker.spent.output_tokens
    assert out.usage.input_tokens + out.usage.output_tokens == spent

    tight = _tracker(prompt + 500 + 1)                        # after one sample, not even one more fits
    model = ScriptedModel(["a", "b"])
    assert asyncio.run(calls.complete(model, tight, MESSAGES, params)).texts == ["a"] and len(model.calls) == 1
