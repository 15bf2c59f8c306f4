"""Local GGUF models in process through llama-cpp-python (the `local/...` names).

One `Llama` per model file per process, shared by every `LocalModel` naming it: a Llama object is
not thread-safe, so calls are serialized with a lock and run in a worker thread so the event loop
stays free. The `n` samples of one call are drawn back to back: the Llama keeps the KV cache of its
last evaluation and reuses the common prompt prefix, so later samples pay (almost) no prefill.

Usage: the token counts llama reports, summed over the samples (llama reports the full prompt for
every sample even when its prefill was reused, so `input_tokens` is an upper bound on the compute);
`calls` = samples generated; `usd` = 0 (local models cost tokens and seconds, not dollars).
Seeds: sample i uses `seed + i`, so samples differ and a run is reproducible.
Prefix reuse across calls (`prefix_cache`, `$SCALEAGENT_PREFIX_CACHE`): see `agents.models.prefix`.
Timeouts (`GenerationParams.timeout`, derived from a budget's seconds left): the call gives up if
the model lock is not free by the deadline, prompt evaluation stops between its `n_batch`-token
batches, generation stops at the next token; then ModelTimeout carries the usage so far (an
interrupted prompt counts its whole upper bound). Overshoot: one 512-token prompt batch or one token
(a prompt's short segments are evaluated one token at a time: agents.models.prefix).
Cancellation: a call whose caller is gone (its task cancelled) or that `cancel_all` stopped (a CLI's
Ctrl-C/SIGTERM handler) stops at its next decoded token, prompt or generation, with or without a
deadline, so an interpreter shutting down never waits for a whole generation in the worker thread.
Budget: each sample is announced to the meter (`agents.models.base.meter`) before it starts.
Threads: `n_threads`, else $SCALEAGENT_LLAMA_THREADS, else the cores other work leaves now (`default_threads`).
"""
from __future__ import annotations

import asyncio
import atexit
import os
import threading
import time
from pathlib import Path
from typing import Any

from agents.errors import ConfigError, ModelError, ModelTimeout, PromptTooLong
from agents.models import cpu, prefix
from agents.models.base import Choice, Completion, GenerationParams, Message, Usage, chars_upper_bound, meter

_TEMPLATE_ALLOWANCE = 64  # tokens a chat template may add (e.g. Qwen's default system prompt)
_PER_MESSAGE = 8          # role markers and separators around each message

_cache: dict[tuple[str, int], tuple[Any, threading.Lock]] = {}
_cache_lock = threading.Lock()
_inflight: set[threading.Event] = set()  # the cancel events of this process's calls in progress


def cancel_all() -> None:
    """Stop every local model call of this process at its next decoded token (an interrupt handler
    calls this before the interpreter waits for the worker threads)."""
    for cancel in list(_inflight):
        cancel.set()


@atexit.register
def _close_all() -> None:
    """Free models before interpreter teardown: llama's own __del__ then finds its helpers gone."""
    for llm, _ in _cache.values():
        try:
            llm.close()
        except Exception:  # noqa: BLE001 - best effort at exit
            pass
    _cache.clear()


def _load(path: Path, n_ctx: int, n_threads: int) -> tuple[Any, threading.Lock]:
    key = (str(path), n_ctx)
    with _cache_lock:
        if key not in _cache:
            try:
                from llama_cpp import Llama
            except ImportError:
                raise ModelError("local models need llama-cpp-python: `pip install 'scaleagent[local]'` "
                                 "(see ENVIRONMENT.md for the build flags)") from None
            try:
                llm = Llama(model_path=str(path), n_ctx=n_ctx, n_threads=n_threads, n_batch=512,
                            n_ubatch=prefix.BLOCK, verbose=False)  # the default: the same numerics as before
            except Exception as e:  # noqa: BLE001
                raise ModelError(f"could not load {path}: {e}; pull the model again") from e
            _cache[key] = (llm, threading.Lock())
        return _cache[key]


def default_threads() -> int:
    """llama threads when the caller names none: $SCALEAGENT_LLAMA_THREADS, else the cores other work
    leaves free now (`agents.models.cpu`; the load average where that cannot be read; at least one).
    llama's threads spin-wait for each other, so a thread on a core another process keeps busy makes
    every token wait for it: with all cores beside another busy process a run was up to 8x slower (the
    SWE demo's single arm: 500 s instead of ~65 s). Read when a LocalModel is made; a model file
    already loaded in the process keeps the threads of that load."""
    chosen = os.environ.get("SCALEAGENT_LLAMA_THREADS", "").strip()
    if chosen:
        if not chosen.isdigit() or int(chosen) < 1:
            raise ConfigError(f"bad SCALEAGENT_LLAMA_THREADS={chosen!r}: give a whole number of threads, at least 1")
        return int(chosen)
    cores = os.cpu_count() or 1
    busy = cpu.busy_cores()
    if busy is None:
        try:
            busy = os.getloadavg()[0]
        except (AttributeError, OSError):  # no load average on this platform: every core
            return cores
    return max(1, min(cores, cores - round(busy)))


class _Deadline(Exception):
    """Raised inside llama's prompt evaluation when the call's deadline has passed."""


class _Cancelled(Exception):
    """Raised inside llama's decoding (any batch: prompt or one generated token) once the call is cancelled."""


def _guard(llm: Any) -> dict[str, Any]:
    """A per-Llama switch checked before every multi-token (prompt) batch is decoded: the logits
    processor that stops generation only runs once the whole prompt is in, which can take seconds.
    The call's cancel event is checked before every decode (one per generated token: an Event check,
    far cheaper than a per-token logits processor)."""
    ctx = getattr(llm, "_ctx", None)
    guard = getattr(ctx, "_scaleagent_guard", None)
    if ctx is None or guard is not None:
        return guard if guard is not None else {}
    guard = {"stop": None, "cancel": None}
    inner = ctx.decode

    def decode(batch: Any) -> Any:
        cancel = guard["cancel"]
        if cancel is not None and cancel.is_set():
            raise _Cancelled()
        stop = guard["stop"]
        if stop is not None and getattr(getattr(batch, "batch", None), "n_tokens", 1) > 1 and stop(None, None):
            raise _Deadline()
        return inner(batch)

    ctx.decode = decode
    ctx._scaleagent_guard = guard
    return guard


class LocalModel:
    def __init__(self, name: str, path: str | Path, *, n_ctx: int = 4096, n_threads: int | None = None,
                 prefix_cache: str | None = None):
        self.name = name
        self.prefix_cache = prefix.mode(prefix_cache)
        self.path = Path(path)
        self.n_ctx = n_ctx
        self.n_threads = n_threads or default_threads()

    def __repr__(self) -> str:
        return f"LocalModel({self.name!r}, n_ctx={self.n_ctx}, prefix_cache={self.prefix_cache!r})"

    def price(self) -> tuple[float, float]:
        return (0.0, 0.0)

    price_known = True  # local models cost 0 dollars by definition

    def count_tokens_upper_bound(self, messages: list[Message]) -> int:
        """The prompt's tokens by the model's own tokenizer plus the chat template's markers. (The
        character count, what API models get, is 3-4x too high for code: budget reservations then
        refused calls a small budget could pay for — the reproduce stage at tokens=16k.)"""
        try:
            llm, _ = _load(self.path, self.n_ctx, self.n_threads)
            # tokenizing reads only the vocabulary: no lock (a running generation holds it)
            counted = sum(len(llm.tokenize(str(m.get("content", "")).encode("utf-8"), add_bos=False, special=True))
                          + _PER_MESSAGE for m in messages)
        except ModelError:
            return chars_upper_bound(messages) + _TEMPLATE_ALLOWANCE
        return counted + _TEMPLATE_ALLOWANCE

    async def complete(self, messages: list[Message], params: GenerationParams) -> Completion:
        cancel = threading.Event()
        deadline = None if params.timeout is None else time.monotonic() + params.timeout
        _inflight.add(cancel)
        try:
            return await asyncio.to_thread(self._complete_sync, messages, params, cancel, deadline)
        except asyncio.CancelledError:
            cancel.set()  # the worker stops at its next decoded token
            raise
        finally:
            _inflight.discard(cancel)

    # -- worker thread --------------------------------------------------------------------------
    def _complete_sync(self, messages: list[Message], params: GenerationParams,
                       cancel: threading.Event, deadline: float | None) -> Completion:
        t0 = time.monotonic()
        llm, lock = _load(self.path, self.n_ctx, self.n_threads)

        def should_stop(_ids: Any, _logits: Any) -> bool:
            return cancel.is_set() or (deadline is not None and time.monotonic() > deadline)

        kwargs: dict[str, Any] = dict(max_tokens=params.max_tokens, temperature=params.temperature,
                                      stop=params.stop or None)
        if deadline is not None:
            # A Python logits processor runs on every token (and slows grammar-constrained
            # sampling a lot), so only pay for it when a timeout must stop generation mid-sample.
            # Cancellation is checked at every decode instead (`_guard`).
            kwargs["logits_processor"] = _stopper(llm, should_stop)
        if params.top_p is not None:
            kwargs["top_p"] = params.top_p
        if params.json_schema is not None:
            kwargs["response_format"] = {"type": "json_object", "schema": params.json_schema}
        choices: list[Choice] = []
        pin = pout = 0

        def timed_out(i: int, extra_in: int = 0) -> ModelTimeout:
            err = ModelTimeout(f"model {self.name}: stopped after {time.monotonic() - t0:.1f} s "
                               f"(call timeout {params.timeout} s, {i} of {params.n} samples done)")
            err.usage = Usage(input_tokens=pin + extra_in, output_tokens=pout, calls=i + bool(extra_in),
                              seconds=time.monotonic() - t0, usd=0.0)
            return err

        def cancelled(calls: int, extra_in: int = 0, extra_out: int = 0) -> ModelError:
            """The caller is gone: what was drawn counts (a cut sample at its worst case: unknown)."""
            err = ModelError(f"model {self.name}: call cancelled")
            if calls:
                err.usage = Usage(input_tokens=pin + extra_in, output_tokens=pout + extra_out, calls=calls,
                                  seconds=time.monotonic() - t0, usd=0.0)
            return err

        while not lock.acquire(timeout=0.2 if deadline is None else max(0.0, min(0.2, deadline - time.monotonic()))):
            if cancel.is_set():
                raise cancelled(0)
            if should_stop(None, None):
                raise timed_out(0)
        guard = _guard(llm)
        guard["cancel"] = cancel
        guard["stop"] = should_stop if deadline is not None else None
        reuse = prefix.install(llm)
        reuse.stop = (lambda: should_stop(None, None)) if deadline is not None else None
        done = False
        try:
            # The first sample keeps what the last call left in the KV cache that this prompt shares
            # (whole blocks only in `exact` mode: see agents.models.prefix); the n samples of this
            # call share one prompt prefill.
            reuse.begin(self.prefix_cache)
            for i in range(params.n):
                if cancel.is_set():  # the caller is gone: nobody reads the remaining samples
                    raise cancelled(i)
                if should_stop(None, None):
                    raise timed_out(i)
                try:
                    meter().request(1)
                except ModelError as e:  # the budget refused this sample: report what the others used
                    e.usage = Usage(input_tokens=pin, output_tokens=pout, calls=i, seconds=time.monotonic() - t0,
                                    usd=0.0)
                    raise
                if params.seed is not None:
                    kwargs["seed"] = params.seed + i
                try:
                    resp = llm.create_chat_completion(messages=messages, **kwargs)
                except _Cancelled:
                    raise cancelled(i + 1, self.count_tokens_upper_bound(messages), params.max_tokens) from None
                except (_Deadline, prefix.Stopped):
                    raise timed_out(i, extra_in=self.count_tokens_upper_bound(messages)) from None
                except ValueError as e:
                    if "context window" in str(e) or "exceed" in str(e):
                        raise PromptTooLong(
                            f"model {self.name}: prompt does not fit the {self.n_ctx}-token context "
                            f"({e}); shorten it or open the model with a larger n_ctx") from None
                    raise ModelError(f"model {self.name}: {e}") from e
                pin += int(resp["usage"]["prompt_tokens"])
                pout += int(resp["usage"]["completion_tokens"])
                if should_stop(None, None):  # this sample was cut short: it counts, but is not returned
                    raise cancelled(i + 1) if cancel.is_set() else timed_out(i + 1)
                c = resp["choices"][0]
                choices.append(Choice(text=c["message"].get("content") or "",
                                      finish_reason=c.get("finish_reason"), index=i))
            done = True
        finally:
            reuse.end(done)  # an interrupted call leaves a KV cache no later call may trust
            reuse.stop = None
            reused, prefilled = reuse.reused, reuse.prefilled
            guard["stop"] = guard["cancel"] = None
            lock.release()
        return Completion(model=self.name, choices=choices,
                          usage=Usage(input_tokens=pin, output_tokens=pout, calls=params.n,
                                      seconds=time.monotonic() - t0, usd=0.0),
                          raw={"prompt_tokens_per_sample": pin // max(1, params.n), "reused_tokens": reused,
                               "prefilled_tokens": prefilled})


def _stopper(llm: Any, should_stop: Any) -> Any:
    """`create_chat_completion` takes no stopping criteria, but it takes logits processors: once
    `should_stop` says so, only end-of-sequence stays possible, so generation ends at the next token."""
    from llama_cpp import LogitsProcessorList

    eos = llm.token_eos()

    def force_eos(input_ids: Any, scores: Any) -> Any:
        if should_stop(input_ids, scores):
            scores[:] = -float("inf")
            scores[eos] = 0.0
        return scores

    return LogitsProcessorList([force_eos])
