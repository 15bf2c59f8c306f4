"""The litellm backend against the fake OpenAI-compatible server (real HTTP on loopback)."""
from __future__ import annotations

import asyncio

import pytest

from agents.errors import ModelError, ModelNotFound, ModelTimeout, PromptTooLong, RateLimited
from agents.models.base import GenerationParams
from agents.models.litellm_backend import LiteLLMModel

MSGS = [{"role": "user", "content": "write a haiku about retries"}]
FAST = dict(backoff=(0.005, 0.02))


def model(server, **kw) -> LiteLLMModel:
    return LiteLLMModel("openai/fake-model", api_base=server.url, **{**FAST, **kw})


async def test_n_is_sent_once_in_one_request(fake_openai_server) -> None:
    out = await model(fake_openai_server).complete(MSGS, GenerationParams(n=5, max_tokens=8))
    assert len(out.choices) == 5 and out.usage.calls == 1
    assert len(fake_openai_server.requests) == 1
    assert fake_openai_server.requests[0].body["n"] == 5
    assert (out.usage.input_tokens, out.usage.output_tokens) == fake_openai_server.served_usage()


async def test_fan_out_when_provider_lacks_n(fake_openai_server) -> None:
    out = await model(fake_openai_server, supports_n=False).complete(MSGS, GenerationParams(n=4, seed=10))
    assert len(out.choices) == 4 and out.usage.calls == 4
    bodies = [r.body for r in fake_openai_server.requests]
    assert len(bodies) == 4 and all("n" not in b for b in bodies)
    assert sorted(b["seed"] for b in bodies) == [10, 11, 12, 13]  # distinct, reproducible samples
    assert (out.usage.input_tokens, out.usage.output_tokens) == fake_openai_server.served_usage()


async def test_server_ignoring_n_is_topped_up_and_remembered(fake_openai_server_factory) -> None:
    server = fake_openai_server_factory(supports_n=False)
    m = model(server)
    assert m.supports_n
    out = await m.complete(MSGS, GenerationParams(n=3))
    assert len(out.choices) == 3 and [c.index for c in out.choices] == [0, 1, 2]
    assert len(server.requests) == 3 and not m.supports_n  # 1 with n=3, then 2 top-ups
    server.reset()
    await m.complete(MSGS, GenerationParams(n=3))
    assert len(server.requests) == 3 and all("n" not in r.body for r in server.requests)


async def test_json_schema_becomes_response_format(fake_openai_server) -> None:
    schema = {"type": "object", "properties": {"ok": {"type": "boolean"}}}
    out = await model(fake_openai_server).complete(MSGS, GenerationParams(json_schema=schema))
    sent = fake_openai_server.requests[0].body["response_format"]
    assert sent["type"] == "json_schema" and sent["json_schema"]["schema"] == schema
    assert out.texts == ['{"ok": true}']


async def test_max_tokens_truncates_with_length_reason(fake_openai_server) -> None:
    out = await model(fake_openai_server).complete(MSGS, GenerationParams(max_tokens=2))
    assert out.choices[0].finish_reason == "length" and out.usage.output_tokens == 2


async def test_prompt_too_long_is_not_retried(fake_openai_server_factory) -> None:
    server = fake_openai_server_factory(max_context=5)
    with pytest.raises(PromptTooLong):
        await model(server).complete(MSGS, GenerationParams())
    assert len(server.requests) == 1


@pytest.mark.parametrize("fault,error", [("429", RateLimited), ("500", ModelError), ("nonjson", ModelError),
                                         ("truncated", ModelError), ("timeout", ModelTimeout)])
async def test_permanent_faults_surface_as_model_errors_after_retries(fake_openai_server_factory, fault, error):
    # timeouts far above a loaded machine's response time: only the hanging fault may time out
    server = fake_openai_server_factory(fault_rate=1.0, faults=(fault,), hang_seconds=4.0)
    m = model(server, max_retries=2, timeout=2.0)
    with pytest.raises(error) as info:
        await m.complete(MSGS, GenerationParams(n=2))
    assert len(server.requests) == 3  # 1 + 2 retries, litellm's own retries are off
    # every request sent is a model call, failed ones too (they are spend: issue 11)
    assert info.value.usage is not None and info.value.usage.calls == 3 and info.value.usage.output_tokens == 0


async def test_faults_at_30_percent_usage_is_exact(fake_openai_server_factory) -> None:
    server = fake_openai_server_factory(fault_rate=0.3, seed=1234, hang_seconds=4.0,
                                        faults=("429", "500", "truncated", "nonjson", "timeout"))
    m = model(server, max_retries=6, timeout=2.0)   # 0.25 s timed out every call on a loaded machine
    params = [GenerationParams(n=k % 3 + 1, max_tokens=6, seed=k) for k in range(24)]
    results = await asyncio.gather(*(m.complete(MSGS, p) for p in params), return_exceptions=True)
    ok = [r for r in results if not isinstance(r, BaseException)]
    errors = [r for r in results if isinstance(r, BaseException)]
    assert all(isinstance(e, ModelError) for e in errors)
    assert len(ok) >= 22
    faults = [r for r in server.requests if r.outcome != "ok"]
    assert len(faults) >= 3  # the retries really were exercised
    got_in = sum(r.usage.input_tokens for r in ok) + sum(e.usage.input_tokens for e in errors)
    got_out = sum(r.usage.output_tokens for r in ok) + sum(e.usage.output_tokens for e in errors)
    assert (got_in, got_out) == server.served_usage()
    assert sum(r.usage.calls for r in ok) + sum(e.usage.calls for e in errors) == len(server.requests)
    assert sum(r.raw["requests"] for r in ok) <= len(server.completed())


async def test_call_timeout_bounds_the_whole_call(fake_openai_server_factory) -> None:
    server = fake_openai_server_factory(latency=0.5)
    with pytest.raises(ModelTimeout):
        await model(server).complete(MSGS, GenerationParams(timeout=0.1))


async def test_connection_refused_is_a_model_error() -> None:
    m = LiteLLMModel("openai/x", api_base="http://127.0.0.1:9/v1", max_retries=1, **FAST)
    with pytest.raises(ModelError):
        await m.complete(MSGS, GenerationParams(max_tokens=2))


def test_retries_default_from_the_environment(monkeypatch, fake_openai_server_factory) -> None:
    from agents.errors import ConfigError

    server = fake_openai_server_factory()
    monkeypatch.setenv("SCALEAGENT_MODEL_RETRIES", "0")
    assert model(server).max_retries == 0 and model(server, max_retries=3).max_retries == 3
    monkeypatch.delenv("SCALEAGENT_MODEL_RETRIES")
    assert model(server).max_retries == 4
    for bad in ("-1", "two", "99"):
        monkeypatch.setenv("SCALEAGENT_MODEL_RETRIES", bad)
        with pytest.raises(ConfigError, match="SCALEAGENT_MODEL_RETRIES"):
            model(server)


async def test_auth_error_names_the_env_var(monkeypatch, fake_openai_server_factory) -> None:
    import litellm

    async def deny(**kwargs):
        raise litellm.AuthenticationError("invalid key", llm_provider="openai", model="gpt-4o-mini")

    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    m = LiteLLMModel("openai/gpt-4o-mini", **FAST)
    monkeypatch.setattr(m._litellm, "acompletion", deny)
    with pytest.raises(ModelError) as info:
        await m.complete(MSGS, GenerationParams())
    assert "OPENAI_API_KEY" in str(info.value) and not info.value.retryable


def test_price_from_cost_map_or_config() -> None:
    m = LiteLLMModel("openai/gpt-4o-mini")
    assert m.price()[0] > 0 and m.price()[1] > m.price()[0]
    assert LiteLLMModel("openai/gpt-4o-mini", price=(1e-6, 2e-6)).price() == (1e-6, 2e-6)
    unknown = LiteLLMModel("hosted_vllm/my-model", api_base="http://127.0.0.1:9/v1")
    assert unknown.price() == (0.0, 0.0) and unknown._price is None  # -> usd=None in Usage


async def test_unknown_price_reports_usd_none(fake_openai_server) -> None:
    out = await model(fake_openai_server).complete(MSGS, GenerationParams())
    assert out.usage.usd is None
    priced = await model(fake_openai_server, price=(1e-6, 1e-6)).complete(MSGS, GenerationParams())
    assert priced.usage.usd == pytest.approx((priced.usage.input_tokens + priced.usage.output_tokens) * 1e-6)


def test_n_support_by_provider() -> None:
    assert LiteLLMModel("hosted_vllm/m", api_base="http://127.0.0.1:9/v1").supports_n
    assert not LiteLLMModel("anthropic/claude-3-5-haiku-20241022").supports_n


@pytest.mark.parametrize("name", ["foo/bar", "nonexistent-model-xyz"])
def test_unknown_names_raise_model_not_found(name: str) -> None:
    with pytest.raises(ModelNotFound) as info:
        LiteLLMModel(name)
    msg = str(info.value)
    assert "\n" not in msg and "local/" in msg and "hosted_vllm/" in msg and "api-base" in msg
