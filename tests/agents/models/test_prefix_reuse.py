"""Prompt-prefix reuse across calls of the llama.cpp backend (agents/models/prefix.py)."""
from __future__ import annotations

import numpy as np
import pytest

from agents.errors import ConfigError
from agents.models import prefix
from agents.models.base import GenerationParams


class FakeLlama:
    """What Reuse touches of a Llama: input_ids, n_tokens, reset, generate (records what it saw)."""

    def __init__(self) -> None:
        self.input_ids = np.zeros(4096, dtype=np.intc)
        self.n_tokens = 0
        self.seen: list[int] = []  # n_tokens at each generate call

    def reset(self) -> None:
        self.n_tokens = 0

    def generate(self, tokens, **_kw):
        self.seen.append(self.n_tokens)
        keep = prefix.common_prefix(self.input_ids[: self.n_tokens].tolist(), tokens)
        self.input_ids[: len(tokens)] = tokens
        self.input_ids[len(tokens): len(tokens) + 5] = 99  # five generated tokens
        self.n_tokens = len(tokens) + 5
        return iter([keep])


def call(reuse: prefix.Reuse, mode: str, tokens: list[int], *, completed: bool = True, samples: int = 1) -> None:
    reuse.begin(mode)
    for _ in range(samples):
        reuse.llm.generate(tokens)
    reuse.end(completed)


def test_exact_keeps_whole_prompt_blocks_only() -> None:
    llm = FakeLlama()
    reuse = prefix.Reuse(llm, block=64)
    first = list(range(1, 151))
    call(reuse, "exact", first)
    assert reuse.reused == 0 and reuse.prefilled == 150
    call(reuse, "exact", first[:140] + [7] * 60)  # shares 140 tokens: two whole 64-token blocks
    assert llm.seen[-1] == 128 and reuse.reused == 128 and reuse.prefilled == 72
    # a prompt that shares the generated tokens too keeps only blocks computed as prompt blocks
    again = first[:140] + [7] * 60 + [99] * 5 + [3] * 200
    call(reuse, "exact", again)
    assert reuse.reused == 192  # (200 - 1) // 64 * 64: the block of the last prompt token is redone
    call(reuse, "exact", again)  # the same prompt again: its last block is evaluated whole
    assert reuse.reused == (len(again) - 1) // 64 * 64


def test_an_interrupted_or_full_call_leaves_nothing_trusted() -> None:
    llm = FakeLlama()
    reuse = prefix.install(llm)
    assert prefix.install(llm) is reuse and llm.generate == reuse.generate  # installed once
    tokens = list(range(1, 300))
    call(reuse, "exact", tokens, completed=False)
    call(reuse, "exact", tokens)
    assert reuse.reused == 0
    call(reuse, "full", tokens)
    assert reuse.reused == len(tokens) - 1  # llama's own matching: everything but the last token
    call(reuse, "exact", tokens)
    assert reuse.reused == 0  # `full` evaluated in other batch shapes: its cache is not exact
    call(reuse, "off", tokens)
    assert llm.seen[-1] == 0 and reuse.reused == 0


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
    assert warm.raw["reused_tokens"] >= prefix.BLOCK and warm.raw["reused_tokens"] % prefix.BLOCK == 0
    assert warm.raw["prefilled_tokens"] < fresh.raw["prefilled_tokens"] and fresh.raw["reused_tokens"] == 0
    assert warm.texts == fresh.texts  # same seed, same samples, whatever the cache held
