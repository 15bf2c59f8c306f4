"""The llama.cpp backend beyond the shared contract: seeds, sharing, timeouts, context errors."""
from __future__ import annotations

import pytest

from agents.errors import ModelTimeout, PromptTooLong
from agents.models import get_model
from agents.models.base import GenerationParams

MSGS = [{"role": "user", "content": "Tell me a very short story about a cat."}]


async def test_seeded_samples_differ_but_runs_repeat(smollm2) -> None:
    params = GenerationParams(n=3, max_tokens=12, temperature=1.0, seed=42)
    a = await smollm2.complete(MSGS, params)
    b = await smollm2.complete(MSGS, params)
    assert a.texts == b.texts  # reproducible
    assert len(set(a.texts)) > 1  # seed + i: the samples are not copies
    assert a.usage.calls == 3 and a.usage.usd == 0.0


async def test_one_llama_per_model_per_process(smollm2) -> None:
    from agents.models import local

    again = get_model(smollm2.name)
    await smollm2.complete(MSGS, GenerationParams(max_tokens=1))
    await again.complete(MSGS, GenerationParams(max_tokens=1))
    assert sum(1 for key in local._cache if key[0] == str(smollm2.path)) == 1


async def test_call_timeout_stops_generation(smollm2) -> None:
    with pytest.raises(ModelTimeout) as info:
        await smollm2.complete(MSGS, GenerationParams(n=4, max_tokens=400, temperature=1.0, seed=1,
                                                      timeout=0.3))
    assert info.value.usage is not None


async def test_prompt_too_long_is_clear(smollm2) -> None:
    with pytest.raises(PromptTooLong, match="context"):
        await smollm2.complete([{"role": "user", "content": "cat " * 5000}], GenerationParams(max_tokens=4))


async def test_stop_sequences_and_greedy(smollm2) -> None:
    params = GenerationParams(max_tokens=24, temperature=0.0, stop=["."])
    a = await smollm2.complete(MSGS, params)
    b = await smollm2.complete(MSGS, params)
    assert a.texts == b.texts and "." not in a.texts[0]


async def test_local_prompt_bound_uses_the_tokenizer(smollm2):
    """The reservation for a code prompt is close to what the model reads (the character count
    reserved 3-4x too much and small budgets refused calls they could pay for), and never below it."""
    from agents.models.base import GenerationParams, chars_upper_bound

    code = "".join(f"def f{i}(x, y=2):\n    return (x + {i}) * y  # step {i}\n\n" for i in range(60))
    messages = [{"role": "system", "content": "You fix bugs."}, {"role": "user", "content": f"```python\n{code}```"}]
    bound = smollm2.count_tokens_upper_bound(messages)
    out = await smollm2.complete(messages, GenerationParams(max_tokens=1))
    assert out.usage.input_tokens <= bound < 0.6 * chars_upper_bound(messages)


async def test_call_timeout_interrupts_a_long_prompt(smollm2):
    """The deadline is checked between prompt batches, not only once generation starts."""
    import time

    long = [{"role": "user", "content": "cat " * 1900}]
    bound = smollm2.count_tokens_upper_bound(long)  # also loads the model, outside the timed call
    t0 = time.monotonic()
    with pytest.raises(ModelTimeout) as info:
        await smollm2.complete(long, GenerationParams(max_tokens=4, timeout=0.1))
    took = time.monotonic() - t0
    # stopped inside the prompt: the interrupted prompt is charged its whole upper bound
    assert info.value.usage.input_tokens == bound and info.value.usage.calls == 1, took
