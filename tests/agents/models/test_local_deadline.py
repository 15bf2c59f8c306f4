"""The llama.cpp backend's deadline without a model file: a fake Llama whose prompt evaluation is slow
(the logits processor that stops generation only runs after it), and a lock held by another call."""
from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import pytest

from agents import calls
from agents.errors import ModelTimeout
from agents.models import local
from agents.models.base import GenerationParams
from budgets import Budget, BudgetExceeded, BudgetTracker

MSGS = [{"role": "user", "content": "hello"}]
BATCH_S = 0.05  # seconds per 512-token prompt batch of the fake


class _Ctx:
    def __init__(self):
        self.decoded = 0

    def decode(self, batch):
        time.sleep(BATCH_S)
        self.decoded += 1


class _FakeLlama:
    """Prompt of `batches` × 512 tokens, then one generated token."""

    def __init__(self, batches: int):
        self._ctx, self.batches = _Ctx(), batches

    def reset(self):
        pass

    def tokenize(self, text, add_bos=False, special=True):
        return list(range(len(text)))

    def token_eos(self):
        return 0

    def create_chat_completion(self, messages, **kw):
        for _ in range(self.batches):
            self._ctx.decode(SimpleNamespace(batch=SimpleNamespace(n_tokens=512)))
        return {"choices": [{"message": {"content": "hi"}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 512 * self.batches, "completion_tokens": 1}}


@pytest.fixture
def fake_llama(monkeypatch):
    llm, lock = _FakeLlama(batches=200), threading.Lock()  # a 10 s prompt
    monkeypatch.setattr(local, "_load", lambda *a: (llm, lock))
    monkeypatch.setattr(local, "_stopper", lambda llm, stop: None)  # needs llama_cpp; not what is tested
    return SimpleNamespace(llm=llm, lock=lock, model=local.LocalModel("local/fake", "/nonexistent.gguf"))


async def test_a_long_prompt_stops_at_the_deadline(fake_llama) -> None:
    t0 = time.monotonic()
    with pytest.raises(ModelTimeout) as info:
        await fake_llama.model.complete(MSGS, GenerationParams(timeout=0.3))
    took = time.monotonic() - t0
    assert took < 0.3 + BATCH_S + 0.3 and fake_llama.llm._ctx.decoded < 200  # stopped between batches
    # the interrupted prompt counts its whole upper bound: the budget never under-counts it
    assert info.value.usage.input_tokens == fake_llama.model.count_tokens_upper_bound(MSGS)
    assert info.value.usage.calls == 1


async def test_without_a_deadline_the_prompt_runs_to_the_end(fake_llama) -> None:
    fake_llama.llm.batches = 3
    out = await fake_llama.model.complete(MSGS, GenerationParams())
    assert out.texts == ["hi"] and fake_llama.llm._ctx.decoded == 3


async def test_a_busy_model_lock_times_out_without_spend(fake_llama) -> None:
    fake_llama.lock.acquire()  # another call is generating
    try:
        t0 = time.monotonic()
        with pytest.raises(ModelTimeout) as info:
            await fake_llama.model.complete(MSGS, GenerationParams(timeout=0.2))
        assert time.monotonic() - t0 < 0.2 + 0.3 and info.value.usage.calls == 0
    finally:
        fake_llama.lock.release()


async def test_a_seconds_cap_stops_a_local_call(fake_llama) -> None:
    tracker = BudgetTracker(Budget(wall_seconds=0.3))
    t0 = time.monotonic()
    with pytest.raises(BudgetExceeded):
        await calls.complete(fake_llama.model, tracker, MSGS, GenerationParams(max_tokens=4))
    assert time.monotonic() - t0 < 0.3 + BATCH_S + 0.3
    assert tracker.spent.model_calls == 1 and tracker.reserved.is_zero()
