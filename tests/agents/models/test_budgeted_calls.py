"""`agents.calls` with real backends: every request is held before it is sent (issue 11), seconds caps
bound each call, and a usd cap needs a price (issue 10 item 6)."""
from __future__ import annotations

import asyncio
import time

import pytest

from agents import calls
from agents.errors import ModelError
from agents.models.base import Completion, GenerationParams, Usage
from agents.models.litellm_backend import LiteLLMModel
from agents.models.scripted import ScriptedModel
from budgets import Budget, BudgetError, BudgetExceeded, BudgetTracker, CostModel

MSGS = [{"role": "user", "content": "write a haiku about budgets"}]


def api(server, **kw) -> LiteLLMModel:
    return LiteLLMModel("openai/fake-model", api_base=server.url, backoff=(0.005, 0.02), **kw)


async def test_server_ignoring_n_cannot_pass_a_calls_cap(fake_openai_server_factory) -> None:
    server = fake_openai_server_factory(supports_n=False)
    model = api(server)
    assert model.supports_n  # claimed, not true
    tracker = BudgetTracker(Budget(model_calls=1))
    out = await calls.complete(model, tracker, MSGS, GenerationParams(n=4, max_tokens=8))
    assert len(server.requests) == 1 and tracker.spent.model_calls == 1 and tracker.overruns == 0
    assert len(out.choices) == 1 and out.raw["budget_stopped"]  # the sample it paid for


async def test_top_ups_are_held_before_they_are_sent(fake_openai_server_factory) -> None:
    server = fake_openai_server_factory(supports_n=False)
    tracker = BudgetTracker(Budget(model_calls=3))
    out = await calls.complete(api(server), tracker, MSGS, GenerationParams(n=4, max_tokens=8))
    assert len(server.requests) == 3 == tracker.spent.model_calls and len(out.choices) == 3
    assert tracker.overruns == 0 and tracker.reserved.is_zero()


async def test_retries_are_spend_and_stop_at_the_cap(fake_openai_server_factory) -> None:
    server = fake_openai_server_factory(fault_rate=1.0, faults=("429", "500"))
    tracker = BudgetTracker(Budget(model_calls=3))
    with pytest.raises(BudgetExceeded):
        await calls.complete(api(server, max_retries=10), tracker, MSGS, GenerationParams(n=2, max_tokens=8))
    assert len(server.requests) == 3 == tracker.spent.model_calls and tracker.reserved.is_zero()


async def test_retried_requests_are_counted_when_the_call_succeeds(fake_openai_server_factory) -> None:
    server = fake_openai_server_factory(fault_rate=0.5, faults=("429",), seed=3)
    tracker = BudgetTracker(Budget(model_calls=40))
    for k in range(6):
        await calls.complete(api(server, max_retries=10), tracker, MSGS, GenerationParams(max_tokens=4, seed=k))
    assert tracker.spent.model_calls == len(server.requests) > 6
    assert (tracker.spent.input_tokens, tracker.spent.output_tokens) == server.served_usage()


async def test_seconds_cap_bounds_a_slow_api_call(fake_openai_server_factory) -> None:
    server = fake_openai_server_factory(latency=5.0)
    tracker = BudgetTracker(Budget(wall_seconds=0.5))
    t0 = time.monotonic()
    with pytest.raises(BudgetExceeded) as info:
        await calls.complete(api(server), tracker, MSGS, GenerationParams(max_tokens=4))
    assert info.value.dimension == "wall_seconds" and time.monotonic() - t0 < 0.5 + 0.5
    assert tracker.spent.model_calls == 1  # the request was sent: it counts


async def test_seconds_cap_bounds_a_scripted_call_and_refuses_the_next() -> None:
    tracker = BudgetTracker(Budget(wall_seconds=0.3))
    t0 = time.monotonic()
    with pytest.raises(BudgetExceeded):
        await calls.complete(ScriptedModel(default="x", delay=5), tracker, MSGS, GenerationParams())
    assert time.monotonic() - t0 < 0.3 + 0.3
    with pytest.raises(BudgetExceeded):
        await calls.complete(ScriptedModel(default="x"), tracker, MSGS, GenerationParams())


class _Deaf:
    """A backend that ignores its timeout (and the meter): the backstop must still end the call."""

    name, supports_n = "deaf", False

    def price(self) -> tuple[float, float]:
        return (0.0, 0.0)

    def count_tokens_upper_bound(self, messages) -> int:
        return 100

    async def complete(self, messages, params) -> Completion:
        await asyncio.sleep(30)
        raise AssertionError("not reached")


async def test_backstop_ends_a_call_that_ignores_its_timeout(monkeypatch) -> None:
    monkeypatch.setattr(calls, "GRACE_S", 0.2)
    tracker = BudgetTracker(Budget(wall_seconds=0.2))
    t0 = time.monotonic()
    with pytest.raises(BudgetExceeded):
        await calls.complete(_Deaf(), tracker, MSGS, GenerationParams(max_tokens=10))
    assert time.monotonic() - t0 < 0.2 + 0.2 + 0.3  # cap + GRACE_S + scheduling slack
    assert tracker.spent.input_tokens == 100 and tracker.spent.output_tokens == 10  # unknown: worst case


async def test_a_cancelled_call_is_charged_its_worst_case() -> None:
    tracker = BudgetTracker(Budget(tokens=10_000))
    task = asyncio.create_task(calls.complete(ScriptedModel(default="x", delay=5, input_tokens=7), tracker, MSGS,
                                              GenerationParams(max_tokens=9)))
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert tracker.spent.output_tokens == 9 and tracker.spent.model_calls == 1 and tracker.reserved.is_zero()


async def test_failure_after_partial_usage_is_charged() -> None:
    err = ModelError("boom")
    err.usage = Usage(input_tokens=5, output_tokens=3, calls=2)
    tracker = BudgetTracker(Budget(tokens=1000))
    with pytest.raises(ModelError):
        await calls.complete(ScriptedModel([err]), tracker, MSGS, GenerationParams(n=2))
    assert tracker.spent.tokens == 8 and tracker.spent.model_calls == 2


def test_usd_cap_needs_a_priced_model() -> None:
    unpriced = LiteLLMModel("hosted_vllm/m", api_base="http://127.0.0.1:9/v1")
    budget = Budget.parse("usd=0.5")
    with pytest.raises(BudgetError, match="hosted_vllm/m has no known price"):
        calls.check_budget(budget, tools={"run_tests"}, models=[unpriced], cost_model=CostModel())
    priced = CostModel(model_prices={"hosted_vllm/m": (1e-7, 2e-7)})  # --price given
    calls.check_budget(budget, tools={"run_tests"}, models=[unpriced], cost_model=priced)
    calls.check_budget(budget, tools=(), models=[LiteLLMModel("openai/gpt-4o-mini"), ScriptedModel()],
                       cost_model=CostModel())
    with pytest.raises(BudgetError, match="tokns"):
        calls.check_budget(Budget.parse("tokns=300"), tools={"run_tests"}, models=[], cost_model=CostModel())


async def test_a_refused_retry_in_a_fan_out_keeps_the_paid_samples(fake_openai_server_factory) -> None:
    server = fake_openai_server_factory(fault_rate=0.5, faults=("429",), seed=11)
    model = api(server, supports_n=False, max_retries=10)
    tracker = BudgetTracker(Budget(model_calls=5))
    out = await calls.complete(model, tracker, MSGS, GenerationParams(n=4, max_tokens=4, seed=1))
    assert len(server.requests) == tracker.spent.model_calls == 5  # 4 + the one retry the cap held
    assert out.raw["budget_stopped"] and 1 <= len(out.choices) == len(server.completed()) < 4
    assert tracker.overruns == 0
