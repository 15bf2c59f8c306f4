"""Keeping llama.cpp's KV cache across calls when a prompt shares a prefix with the last one.

A refinement or a judge prompt repeats most of the prompt before it; recomputing that prefix is most
of a local call's time on a CPU. Three modes (`LocalModel(prefix_cache=...)`, else
`$SCALEAGENT_PREFIX_CACHE`, default `exact`):

- `exact`: every prompt is evaluated in *canonical segments*, a function of its tokens alone: a new
  segment starts at each chat message (the template's message-start token, e.g. `<|im_start|>`),
  every `BLOCK` tokens into a message, and for the last prompt token (evaluated alone). Segment `i`
  of a prompt therefore runs in the same batch, at the same positions, after the same keys and
  values whether the cache was empty or not, so the logits are bit for bit those of a fresh process
  and a seed draws the same text whatever ran before. A follow-up keeps every whole segment it shares
  with the last call's: all of the shared messages (a judge or refinement prompt that appends
  messages recomputes ~3 tokens of the old generation prompt), or whole `BLOCK`s when it differs
  inside a message. A segment under `SMALL` tokens is evaluated one token at a time (cheaper than
  a small batch here). Cost on a cold prompt: a batch boundary at each message (see README).
- `full`: llama-cpp-python's own matching: every shared token is kept, including generated ones;
  the rest is evaluated in other batch shapes, and for the K-quant Qwen models the logits then
  differ slightly (by 0.26 and 0.35 at two cuts measured) from a fresh process: a seeded sample may
  change with what ran before it. Reproducible only for the same sequence of calls in one process.
- `off`: every call starts from an empty cache (canonical segments, so `off` and `exact` draw the
  same samples; the n samples of one call still share the prefill).

Not thread-safe on its own: the backend holds the model's lock around a whole call.
"""
from __future__ import annotations

import os
from collections.abc import Collection, Sequence
from typing import Any

from agents.errors import ConfigError

BLOCK = 512  # longest segment: n_batch = n_ubatch of every Llama the backend opens
# Segments shorter than this are evaluated one token at a time. Measured here (Qwen2.5-Coder-0.5B
# Q4_K_M, 1 thread, CPU seconds): a one-token batch 0.05 s; a multi-token batch ~1.5-3 s plus
# ~0.03 s a token (8 tokens 2.0-3.2 s, 64 tokens 4.9-5.8 s, 128 tokens 7.2 s).
SMALL = 64
MODES = ("exact", "full", "off")
# message-start tokens of common chat templates (ChatML, Llama 3, Gemma): segments start there
MARKERS = ("<|im_start|>", "<|start_header_id|>", "<start_of_turn>")


class Stopped(Exception):
    """Raised between the one-token evaluations of a prompt when the call's `stop` says so."""


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


def segments(tokens: Sequence[int], starts: Collection[int] = (), block: int = BLOCK) -> list[int]:
    """The end of each canonical segment of a prompt (the last is len(tokens)). Whether position p
    starts a segment depends only on tokens[:p + 1], except the last token's own segment."""
    n, ends, begin = len(tokens), [], 0
    for p in range(1, n - 1):
        if tokens[p] in starts or p - begin >= block:
            ends.append(p)
            begin = p
    if n > 1:
        ends.append(n - 1)
    return ends + [n] if n else []


def agreed_keep(old: Sequence[int], new: Sequence[int], limit: int) -> int:
    """The longest prefix, at most `limit` tokens, that both segmentations cut into the same segments."""
    old_set, new_set, keep = set(old), set(new), 0
    for b in sorted(old_set | new_set):
        if b > limit or (b in old_set) != (b in new_set):
            break
        keep = b
    return keep


def message_starts(llm: Any) -> frozenset[int]:
    ids = set()
    for marker in MARKERS:
        try:
            got = llm.tokenize(marker.encode(), add_bos=False, special=True)
        except Exception:  # noqa: BLE001 - a stand-in Llama, or a vocabulary without it
            continue
        if len(got) == 1:
            ids.add(int(got[0]))
    return frozenset(ids)


class Reuse:
    """Installed on one Llama: on the first sample of each call, decides what the cache keeps and (in
    `exact` and `off`) evaluates the rest of the prompt in canonical segments."""

    def __init__(self, llm: Any, block: int = BLOCK):
        self.llm, self._generate, self.block = llm, getattr(llm, "generate", None), block
        self.starts = message_starts(llm)
        self.mode, self.first = "off", False
        self.stop: Any = None  # a `() -> bool` the backend sets for a call with a deadline
        self.trusted: list[int] = []  # segment ends of the cache's prompt, evaluated canonically
        self._pending: list[int] = []
        self.reused = self.prefilled = 0
        if self._generate is not None:  # (a stand-in Llama in tests may have none)
            llm.generate = self.generate

    def begin(self, mode: str) -> None:
        self.mode, self.first, self.reused, self.prefilled, self._pending = mode, True, 0, 0, []
        if mode == "off":
            self.llm.reset()

    def end(self, completed: bool) -> None:
        self.trusted = self._pending if completed and self.mode != "full" else []
        self.first = False

    def generate(self, tokens: Sequence[int], *args: Any, **kwargs: Any) -> Any:
        if self.first:
            self.first = False
            self._prepare(list(tokens))
        return self._generate(tokens, *args, **kwargs)

    def _prepare(self, tokens: list[int]) -> None:
        llm, n = self.llm, len(tokens)
        common = common_prefix(llm.input_ids[: llm.n_tokens].tolist(), tokens) if llm.n_tokens else 0
        trusted, self.trusted = self.trusted, []  # until the call completes: an interrupted one leaves half a cache
        if self.mode == "full":
            self.reused = min(common, n - 1)
            self.prefilled = n - self.reused
            return  # llama's own matching keeps every shared token
        ends = segments(tokens, self.starts, self.block)
        keep = agreed_keep(trusted, ends, min(common, n - 1)) if self.mode == "exact" else 0
        llm.n_tokens = keep  # eval drops the cache from here on
        begin = keep
        for end in ends:  # then llama finds the whole prompt evaluated and samples at once
            if end <= begin:
                continue
            if end - begin < SMALL:
                for i in range(begin, end):
                    if self.stop is not None and self.stop():
                        raise Stopped()
                    llm.eval(tokens[i:i + 1])
            else:
                llm.eval(tokens[begin:end])
            begin = end
        self.reused, self.prefilled, self._pending = keep, n - keep, ends


def install(llm: Any) -> Reuse:
    reuse = getattr(llm, "_scaleagent_reuse", None)
    if reuse is None:
        reuse = llm._scaleagent_reuse = Reuse(llm)
    return reuse
