"""Prompt-prefix reuse across calls of the llama.cpp backend (agents/models/prefix.py)."""
from __future__ import annotations

import numpy as np
import pytest

from agents.errors import ConfigError
from agents.models import prefix
from agents.models.base import GenerationParams


START = 7  # the stand-in's message-start token


class FakeLlama:
    """What Reuse touches of a Llama: input_ids, n_tokens, reset, tokenize, eval (records each batch)
    and generate (matches the cache like llama 0.3.36, then appends five generated tokens)."""

    def __init__(self) -> None:
        self.input_ids = np.zeros(4096, dtype=np.intc)
        self.n_tokens = 0
        self.batches: list[tuple[int, int]] = []  # (position, length) of each evaluated batch

    def reset(self) -> None:
        self.n_tokens = 0

    def tokenize(self, text: bytes, add_bos: bool = False, special: bool = False) -> list[int]:
        return [START] if text == b"<|im_start|>" else [1000 + b for b in text]

    def eval(self, tokens) -> None:
        self.batches.append((self.n_tokens, len(tokens)))
        self.input_ids[self.n_tokens: self.n_tokens + len(tokens)] = tokens
        self.n_tokens += len(tokens)

    def generate(self, tokens, **_kw):
        keep = prefix.common_prefix(self.input_ids[: self.n_tokens].tolist(), tokens)
        if not keep == len(tokens) == self.n_tokens:  # else llama samples from the logits it has
            self.n_tokens = min(keep, len(tokens) - 1)
            self.eval(tokens[self.n_tokens:])
        self.input_ids[self.n_tokens: self.n_tokens + 5] = 99  # five generated tokens
        self.n_tokens += 5
        return iter([])


def call(reuse: prefix.Reuse, mode: str, tokens: list[int], *, completed: bool = True,
         samples: int = 1) -> list[tuple[int, int]]:
    """The batches the call evaluated."""
    before = len(reuse.llm.batches)
    reuse.begin(mode)
    for _ in range(samples):
        reuse.llm.generate(tokens)
    reuse.end(completed)
    return reuse.llm.batches[before:]


def msg(k: int, length: int) -> list[int]:
    return [START] + [k] * (length - 1)


def test_segments_start_at_messages_every_block_and_for_the_last_token() -> None:
    tokens = msg(1, 10) + msg(2, 150) + msg(3, 3)
    assert prefix.segments(tokens, {START}, block=64) == [10, 74, 138, 160, 162, 163]
    assert prefix.segments(tokens, (), block=64) == [64, 128, 162, 163]  # no chat markers: blocks only
    assert prefix.segments([5], {START}) == [1] and prefix.segments([], {START}) == []


def test_a_follow_up_keeps_the_shared_messages_and_evaluates_what_a_cold_call_evaluates() -> None:
    llm = FakeLlama()
    reuse = prefix.Reuse(llm, block=64)
    assert reuse.starts == {START}
    first = msg(1, 10) + msg(2, 150) + msg(3, 3)  # system, user, the generation prompt
    call(reuse, "exact", first, samples=2)
    follow = first[:160] + msg(3, 23) + msg(4, 30) + msg(3, 3)  # + the answer, a judge question
    warm = call(reuse, "exact", follow)
    assert reuse.reused == 160 and reuse.prefilled == len(follow) - 160  # all but the old generation prompt
    cold = call(reuse, "off", follow)
    assert reuse.reused == 0 and cold[0] == (0, 1)  # from an empty cache
    assert warm == [b for b in cold if b[0] >= 160]  # the same batches, at the same positions
    assert warm == [(160 + i, 1) for i in range(56)]  # segments under SMALL tokens go one token at a time
    assert cold[10:12] == [(10, 64), (74, 64)]  # longer ones as one batch
    # a prompt that differs inside a message keeps the whole blocks before it
    inside = follow[:100] + [8] * 20 + follow[120:]
    call(reuse, "exact", inside)
    assert reuse.reused == 74
    call(reuse, "exact", inside)  # the same prompt again: all but its last token
    assert reuse.reused == len(inside) - 1


def test_an_interrupted_or_full_call_leaves_nothing_trusted() -> None:
    llm = FakeLlama()
    reuse = prefix.install(llm)
    assert prefix.install(llm) is reuse and llm.generate == reuse.generate  # installed once
    tokens = list(range(10, 300))
    call(reuse, "exact", tokens, completed=False)
    call(reuse, "exact", tokens)
    assert reuse.reused == 0
    full = call(reuse, "full", tokens)
    assert reuse.reused == len(tokens) - 1 and full == [(len(tokens) - 1, 1)]  # llama's own matching
    call(reuse, "exact", tokens)
    assert reuse.reused == 0  # `full` evaluated in other batch shapes: its cache is not exact
    call(reuse, "off", tokens)
    assert reuse.reused == 0 and llm.batches[-2:] == [(0, 289), (289, 1)]


def test_a_deadline_stops_between_one_token_evaluations() -> None:
    llm = FakeLlama()
    reuse = prefix.Reuse(llm)
    polls = []
    reuse.stop = lambda: polls.append(1) or len(polls) > 3
    reuse.begin("exact")
    with pytest.raises(prefix.Stopped):
        llm.generate(msg(1, 10) + msg(2, 20))  # short segments: one token at a time
    reuse.end(False)
    assert len(llm.batches) == 3 and reuse.trusted == []


def test_mode_setting(monkeypatch) -> None:
    monkeypatch.delenv("SCALEAGENT_PREFIX_CACHE", raising=False)
    assert prefix.mode() == "exact" and prefix.mode("full") == "full"
    monkeypatch.setenv("SCALEAGENT_PREFIX_CACHE", "off")
    assert prefix.mode() == "off"
    monkeypatch.setenv("SCALEAGENT_PREFIX_CACHE", "always")
    with pytest.raises(ConfigError, match="exact, full or off"):
        prefix.mode()


SYSTEM = "You review Python code. " + " ".join(f"Rule {i}: keep function {i} short and named well." for i in range(90))
FIRST = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "Write is_even(n)."}]


@pytest.mark.slow
async def test_a_follow_up_reuses_the_prefix_and_draws_what_a_fresh_cache_draws(smollm2) -> None:
    from agents.models import get_model

    params = GenerationParams(n=2, max_tokens=12, temperature=1.0, seed=7)
    exact, cold = smollm2, get_model(smollm2.name, prefix_cache="off")
    assert exact.prefix_cache == "exact"
    first = await exact.complete(FIRST, params)
    follow = FIRST + [{"role": "assistant", "content": first.texts[0]},
                      {"role": "user", "content": "Now make it handle negative numbers."}]
    warm = await exact.complete(follow, params)
    fresh = await cold.complete(follow, params)  # `off`: from an empty cache
    shared = first.raw["prompt_tokens_per_sample"]
    assert shared - 8 <= warm.raw["reused_tokens"] < shared  # all but the old generation prompt
    assert warm.raw["prefilled_tokens"] < fresh.raw["prefilled_tokens"] and fresh.raw["reused_tokens"] == 0
    assert warm.texts == fresh.texts  # same seed, same samples, whatever the cache held


@pytest.mark.slow
@pytest.mark.parametrize("name", ["local/smollm2-135m", "local/qwen2.5-coder-0.5b"])
def test_the_kept_prefix_gives_the_logits_of_a_cold_cache_bit_for_bit(name) -> None:
    """The K-quant Qwen model is the one whose logits change with batch shapes (a follow-up evaluated
    in llama's own batches differs by ~0.4 here): canonical segments must still match exactly."""
    from agents.models.local import _load
    from tests.agents.models.conftest import require_local_model

    model = require_local_model(name)
    llm, lock = _load(model.path, model.n_ctx, model.n_threads)
    body = " ".join(f"def f{i}(x): return x * {i}" for i in range(40))

    def chat(*turns: tuple[str, str]) -> list[int]:
        text = "".join(f"<|im_start|>{r}\n{c}<|im_end|>\n" for r, c in turns) + "<|im_start|>assistant\n"
        return llm.tokenize(text.encode(), add_bos=False, special=True)

    def evaluate(mode: str, tokens: list[int]) -> tuple[np.ndarray, int]:
        reuse.begin(mode)
        reuse._prepare(tokens)
        reuse.end(True)
        return np.ctypeslib.as_array(llm._ctx.get_logits(), shape=(llm.n_vocab(),)).copy(), reuse.reused

    first = chat(("system", "You review code."), ("user", body))
    follow = chat(("system", "You review code."), ("user", body), ("assistant", "f3 is wrong."),
                  ("user", "Judge that answer: yes or no?"))
    with lock:
        reuse = prefix.install(llm)
        evaluate("off", first)
        warm, reused = evaluate("exact", follow)
        cold, _ = evaluate("off", follow)
    assert len(first) - 4 <= reused < len(first)
    assert np.array_equal(warm, cold)
