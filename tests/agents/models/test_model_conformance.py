"""The contract every model backend keeps (one suite, parametrized over every backend).

A new backend adds one harness below and must pass every test here unchanged.
"""
from __future__ import annotations

import asyncio
import json
import math
from dataclasses import dataclass
from typing import Any, Callable

import jsonschema
import pytest

from agents.errors import ModelError
from agents.models.base import BudgetStop, GenerationParams, Meter, Model, metering
from agents.models.scripted import ScriptedModel
from tests.fakes.openai_server import instance_of

MESSAGES = [
    {"role": "system", "content": "You answer briefly."},
    {"role": "user", "content": "Name one prime number and say why it is prime."},
]
SCHEMA = {
    "type": "object",
    "properties": {"tool": {"type": "string", "enum": ["read_file", "run_tests"]},
                   "path": {"type": "string"}},
    "required": ["tool", "path"],
}


@dataclass
class Harness:
    model: Model
    failing: Callable[[], tuple[Model, list[dict[str, str]], GenerationParams]]
    requests_sent: Callable[[], int] | None = None  # backends behind a server: requests it received


# -- harnesses ------------------------------------------------------------------------------------
def _scripted(request: pytest.FixtureRequest) -> Harness:
    def answer(messages: list[dict[str, str]], params: GenerationParams) -> str:
        if params.json_schema is not None:
            return json.dumps(instance_of(params.json_schema))
        return "two is prime because only one and two divide it"

    def failing() -> tuple[Model, list[dict[str, str]], GenerationParams]:
        return ScriptedModel([ModelError("scripted failure")]), MESSAGES, GenerationParams()

    return Harness(ScriptedModel(default=answer, input_tokens=12), failing)


def _litellm(request: pytest.FixtureRequest) -> Harness:
    from agents.models.litellm_backend import LiteLLMModel

    factory = request.getfixturevalue("fake_openai_server_factory")
    server = factory(max_context=400)

    def failing() -> tuple[Model, list[dict[str, str]], GenerationParams]:
        too_long = [{"role": "user", "content": "word " * 1000}]
        return LiteLLMModel("openai/fake-model", api_base=server.url, backoff=(0.01, 0.02)), too_long, GenerationParams()

    return Harness(LiteLLMModel("openai/fake-model", api_base=server.url, backoff=(0.01, 0.02)), failing,
                   requests_sent=lambda: len(server.requests))


def _local(request: pytest.FixtureRequest) -> Harness:
    model = request.getfixturevalue("smollm2")  # skips (fails under CI=true) if not installed

    def failing() -> tuple[Model, list[dict[str, str]], GenerationParams]:
        too_long = [{"role": "user", "content": "prime " * 4000}]  # > the 2048-token context
        return model, too_long, GenerationParams(max_tokens=4)

    return Harness(model, failing)


HARNESSES = {"scripted": _scripted, "litellm": _litellm, "local": _local}


@pytest.fixture(params=list(HARNESSES))
def harness(request: pytest.FixtureRequest) -> Harness:
    return HARNESSES[request.param](request)


# -- the contract ---------------------------------------------------------------------------------
@pytest.mark.parametrize("n", [1, 3])
async def test_returns_exactly_n_choices_with_real_usage(harness: Harness, n: int) -> None:
    out = await harness.model.complete(MESSAGES, GenerationParams(n=n, max_tokens=12, seed=7))
    assert len(out.choices) == n
    assert all(isinstance(c.text, str) for c in out.choices)
    assert out.usage.input_tokens > 0 and out.usage.output_tokens > 0
    assert out.usage.calls >= 1
    assert out.usage.seconds >= 0
    if harness.requests_sent is not None:  # `n` travels in one request (one prefill)
        assert harness.requests_sent() == 1 == out.usage.calls


async def test_max_tokens_is_respected(harness: Harness) -> None:
    out = await harness.model.complete(MESSAGES, GenerationParams(n=2, max_tokens=5, seed=1))
    assert 0 < out.usage.output_tokens <= 5 * 2


async def test_json_schema_output_parses_and_validates(harness: Harness) -> None:
    out = await harness.model.complete(
        [{"role": "user", "content": "Call a tool to read setup.py. Answer in JSON."}],
        GenerationParams(n=2, max_tokens=64, temperature=0.0, seed=3, json_schema=SCHEMA))
    for text in out.texts:
        jsonschema.validate(json.loads(text), SCHEMA)


async def test_failures_are_model_errors(harness: Harness) -> None:
    model, messages, params = harness.failing()
    with pytest.raises(ModelError) as info:
        await model.complete(messages, params)
    assert "\n" not in str(info.value).strip()


async def test_price_is_sane(harness: Harness) -> None:
    pin, pout = harness.model.price()
    assert all(isinstance(p, float) and math.isfinite(p) and p >= 0 for p in (pin, pout))
    out = await harness.model.complete(MESSAGES, GenerationParams(max_tokens=4))
    if out.usage.usd is not None:
        expected = out.usage.input_tokens * pin + out.usage.output_tokens * pout
        assert out.usage.usd == pytest.approx(expected)


async def test_token_upper_bound_covers_real_input(harness: Harness) -> None:
    bound = harness.model.count_tokens_upper_bound(MESSAGES)
    out = await harness.model.complete(MESSAGES, GenerationParams(max_tokens=2))
    assert bound >= out.usage.input_tokens / out.usage.calls


async def test_concurrent_calls_all_complete(harness: Harness) -> None:
    params = GenerationParams(n=2, max_tokens=4)
    outs: list[Any] = await asyncio.gather(*(harness.model.complete(MESSAGES, params) for _ in range(3)))
    assert [len(o.choices) for o in outs] == [2, 2, 2]


class _Meter(Meter):
    """Counts the requests a backend announces; refuses all of them when `refuse`."""

    def __init__(self, refuse: bool = False):
        self.requests, self.samples, self.refuse = 0, 0, refuse

    def request(self, samples: int = 1) -> None:
        if self.refuse:
            raise BudgetStop("budget says no")
        self.requests += 1
        self.samples += samples


@pytest.mark.parametrize("n", [1, 3])
async def test_every_request_is_announced_to_the_meter(harness: Harness, n: int) -> None:
    with metering(_Meter()) as m:
        out = await harness.model.complete(MESSAGES, GenerationParams(n=n, max_tokens=4, seed=2))
    assert m.requests == out.usage.calls and m.samples == n


async def test_a_refusing_meter_stops_the_backend_before_it_sends(harness: Harness) -> None:
    with metering(_Meter(refuse=True)), pytest.raises(BudgetStop):
        await harness.model.complete(MESSAGES, GenerationParams(n=2, max_tokens=4))
    if harness.requests_sent is not None:
        assert harness.requests_sent() == 0
