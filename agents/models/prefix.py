"""Keeping llama.cpp's KV cache across calls when a prompt shares a prefix with the last one.

A refinement or a judge prompt repeats most of the prompt before it; recomputing that prefix is most
of a local call's time on a CPU. Three modes (`LocalModel(prefix_cache=...)`, else
`$SCALEAGENT_PREFIX_CACHE`, default `exact`):

- `exact`: keep the shared prefix in whole blocks of `BLOCK` tokens (the model's physical batch,
  `n_ubatch`) that an earlier call computed as prompt blocks. What is evaluated then runs in the same
  blocks, at the same positions, after the same cached keys and values as from an empty cache, so
  the logits are bit for bit those of a fresh process and a seed gives the same text whatever ran
  before (checked: tests/agents/models/test_prefix_reuse.py; logits compared for Qwen2.5-Coder-0.5B
  Q4_K_M and SmolLM2 in README "Models"). A follow-up recomputes at most BLOCK-1 shared tokens.
  (A smaller physical batch would keep more, but 64-token batches made prompts ~3x slower here.)
- `full`: llama-cpp-python's own matching: every shared token is kept, including generated ones.
  Fastest, but the suffix is then evaluated in other batch shapes, and for the K-quant Qwen models
  the logits differ slightly (by 0.26 and 0.35 at two cuts measured) from a fresh process: a seeded sample may
  change with what ran before it (a resumed run, a call made alone). Reproducible only for the same
  sequence of calls in one process.
- `off`: every call starts from an empty cache (the n samples of one call still share the prefill).

Not thread-safe on its own: the backend holds the model's lock around a whole call.
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from agents.errors import ConfigError

BLOCK = 512  # n_batch = n_ubatch of every Llama the backend opens; `exact` reuse is cut to multiples of it
MODES = ("exact", "full", "off")


def mode(value: str | None = None) -> str:
    chosen = value or os.environ.get("SCALEAGENT_PREFIX_CACHE") or "exact"
    if chosen not in MODES:
        raise ConfigError(f"bad prefix cache mode {chosen!r} (SCALEAGENT_PREFIX_CACHE): choose exact, full or off")
    return chosen


def common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def exact_keep(common: int, n_prompt: int, trusted: int, block: int = BLOCK) -> int:
    """How many leading KV positions an `exact` call keeps: whole blocks, shared with the new prompt
    and computed as prompt blocks before, and never the block holding the prompt's last token (it is
    evaluated as a whole, as from an empty cache)."""
    keep = min(common, trusted) // block * block
    return min(keep, (n_prompt - 1) // block * block)


class Reuse:
    """Installed on one Llama: decides, on the first sample of each call, what the cache keeps."""

    def __init__(self, llm: Any, block: int = BLOCK):
        self.llm, self._generate, self.block = llm, getattr(llm, "generate", None), block
        self.mode, self.first = "off", False
        self.trusted = 0        # leading positions computed as whole prompt blocks (valid for `exact`)
        self._next = 0
        self.reused = self.prefilled = 0
        if self._generate is not None:  # (a stand-in Llama in tests may have none)
            llm.generate = self.generate

    def begin(self, mode: str) -> None:
        self.mode, self.first, self.reused, self.prefilled, self._next = mode, True, 0, 0, 0
        if mode == "off":
            self.llm.reset()

    def end(self, completed: bool) -> None:
        self.trusted = self._next if completed and self.mode != "full" else 0
        self.first = False

    def generate(self, tokens: Sequence[int], *args: Any, **kwargs: Any) -> Any:
        if self.first:
            self.first = False
            self._prepare(list(tokens))
        return self._generate(tokens, *args, **kwargs)

    def _prepare(self, tokens: list[int]) -> None:
        llm, n = self.llm, len(tokens)
        common = common_prefix(llm.input_ids[: llm.n_tokens].tolist(), tokens) if llm.n_tokens else 0
        if self.mode == "exact":
            keep = exact_keep(common, n, self.trusted, self.block)
            llm.n_tokens = min(llm.n_tokens, keep)  # llama's own matching then finds exactly `keep`
        elif self.mode == "full":
            keep = min(common, n - 1)
        else:
            keep = 0
        self.reused, self.prefilled = keep, n - keep
        self.trusted = 0  # until the call completes: an interrupted prompt leaves blocks half done
        # later samples of this call re-evaluate the prompt's last token alone: its block is not kept
        self._next = (n - 1) // self.block * self.block


def install(llm: Any) -> Reuse:
    reuse = getattr(llm, "_scaleagent_reuse", None)
    if reuse is None:
        reuse = llm._scaleagent_reuse = Reuse(llm)
    return reuse
