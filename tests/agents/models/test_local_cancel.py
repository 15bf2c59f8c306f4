"""The llama.cpp backend stops a cancelled call at its next decoded token also without a deadline
(no logits processor then): a fake Llama whose generation decodes one token at a time for a long
while. Before this, a Ctrl-C left the worker thread generating, and the interpreter's shutdown
(asyncio.run waits for the default executor) waited for the whole generation."""
from __future__ import annotations

import asyncio
import threading
import time
from types import SimpleNamespace

import pytest

from agents.errors import ModelError
from agents.models import local
from agents.models.base import GenerationParams

MSGS = [{"role": "user", "content": "hello"}]
TOKENS = 200_000  # one generation: ~200 s at 1 ms a token, far past the waits below


class _Ctx:
    def __init__(self):
        self.decoded = 0
        self.started = threading.Event()

    def decode(self, batch):
        self.started.set()
        time.sleep(0.001)
        self.decoded += 1


class _GeneratingLlama:
    def __init__(self):
        self._ctx = _Ctx()

    def reset(self):
        pass

    def tokenize(self, text, add_bos=False, special=True):
        return list(range(len(text)))

    def create_chat_completion(self, messages, **kw):
        for _ in range(TOKENS):  # one token per decode, as llama's generate does
            self._ctx.decode(SimpleNamespace(batch=SimpleNamespace(n_tokens=1)))
        return {"choices": [{"message": {"content": "long"}, "finish_reason": "length"}],
                "usage": {"prompt_tokens": 5, "completion_tokens": TOKENS}}


@pytest.fixture
def fake(monkeypatch):
    llm, lock = _GeneratingLlama(), threading.Lock()
    monkeypatch.setattr(local, "_load", lambda *a: (llm, lock))
    return SimpleNamespace(llm=llm, lock=lock, model=local.LocalModel("local/fake", "/nonexistent.gguf"))


def _stopped_generating(fake) -> bool:
    """The worker gave the model back (it holds the lock while it generates) before the generation's end."""
    got = fake.lock.acquire(timeout=120)  # a hang guard only: a stopped call releases it at once
    if got:
        fake.lock.release()
    return got and fake.llm._ctx.decoded < TOKENS


async def test_a_cancelled_task_stops_the_generation_without_a_deadline(fake):
    task = asyncio.create_task(fake.model.complete(MSGS, GenerationParams(max_tokens=TOKENS)))
    await asyncio.to_thread(fake.llm._ctx.started.wait)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await asyncio.to_thread(_stopped_generating, fake)
    assert not local._inflight


async def test_cancel_all_stops_a_call_in_progress_as_a_model_error(fake):
    task = asyncio.create_task(fake.model.complete(MSGS, GenerationParams(max_tokens=TOKENS)))
    await asyncio.to_thread(fake.llm._ctx.started.wait)
    local.cancel_all()  # what `scaleagent ask`'s Ctrl-C / SIGTERM handler does
    with pytest.raises(ModelError, match="cancelled") as info:
        await task
    assert fake.llm._ctx.decoded < TOKENS and not local._inflight
    # the cut sample counts at its worst case (what it generated is unknown), so spend never under-counts
    assert info.value.usage.calls == 1 and info.value.usage.output_tokens == TOKENS


async def test_a_call_cancelled_between_samples_counts_the_samples_drawn(fake, monkeypatch):
    def one_sample_then_interrupt(messages, **kw):
        local.cancel_all()  # Ctrl-C while the first of two samples finishes
        return {"choices": [{"message": {"content": "a"}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 5, "completion_tokens": 3}}

    monkeypatch.setattr(fake.llm, "create_chat_completion", one_sample_then_interrupt)
    with pytest.raises(ModelError, match="cancelled") as info:
        await fake.model.complete(MSGS, GenerationParams(n=2))
    u = info.value.usage
    assert (u.calls, u.input_tokens, u.output_tokens) == (1, 5, 3)


async def test_a_call_waiting_for_the_model_lock_is_cancelled_too(fake):
    fake.lock.acquire()  # another call is generating, with no deadline
    try:
        task = asyncio.create_task(fake.model.complete(MSGS, GenerationParams()))
        while not local._inflight:
            await asyncio.sleep(0.01)
        local.cancel_all()
        with pytest.raises(ModelError, match="cancelled") as info:
            await task
        assert fake.llm._ctx.decoded == 0 and getattr(info.value, "usage", None) is None  # nothing was sent
    finally:
        fake.lock.release()


@pytest.mark.slow
async def test_the_real_model_stops_mid_generation_and_its_next_call_is_unharmed(smollm2):
    """llama.cpp itself: cancel_all during a long generation (no deadline) raises out of llama's decode
    loop; the model then answers a call exactly as before (its KV cache and state were left sound)."""
    msgs = [{"role": "user", "content": "Write a long story about a lighthouse keeper."}]
    params = GenerationParams(max_tokens=24, temperature=0.0, seed=1)
    before = await smollm2.complete(msgs, params)
    llm, _ = local._load(smollm2.path, smollm2.n_ctx, smollm2.n_threads)
    decoding = threading.Event()
    inner = llm._ctx.decode

    def watch(batch):  # under the backend's guard: counts the one-token (generation) decodes
        if getattr(getattr(batch, "batch", None), "n_tokens", 0) == 1:
            decoding.set()
        return inner(batch)

    guard = llm._ctx._scaleagent_guard
    llm._ctx.decode = watch
    del llm._ctx._scaleagent_guard  # a new guard wraps `watch` on the next call
    try:
        task = asyncio.create_task(smollm2.complete(msgs, GenerationParams(max_tokens=4000, temperature=0.0)))
        await asyncio.to_thread(decoding.wait)
        local.cancel_all()
        with pytest.raises(ModelError, match="cancelled"):
            await task
    finally:
        llm._ctx.decode, llm._ctx._scaleagent_guard = inner, guard  # as the backend left it
    after = await smollm2.complete(msgs, params)
    assert after.texts == before.texts and after.texts[0]
