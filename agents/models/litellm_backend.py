"""API models and OpenAI-compatible servers (vLLM, llama.cpp server, ...) through litellm.

Sampling `n`: where the server honours `n` (vLLM, `openai/...`) one request carries all N samples
and the prompt is prefilled once; where it does not (providers litellm says lack `n`, or
`supports_n=False`) N requests of one sample run in parallel. If a server answers fewer choices than
asked, the rest is topped up with parallel requests, and a server that ignored `n` (answered one
choice) is remembered so the next call fans out straight away.

Budget: every request is announced to the meter (`agents.models.base.meter`) before it is sent. A
retry or a top-up beyond the engine's plan is sent only if the budget holds it; a refused retry ends
the call with `BudgetStop`, a refused top-up returns the choices already paid for (fewer than n,
`raw["budget_stopped"]`). A fan-out asks for all its requests before starting any of them.

Retries: ours (tenacity, exponential backoff with jitter), litellm's own are off, so every attempt is
counted. Retried: 429, 5xx, timeouts, connection errors, truncated or non-JSON bodies.

Accounting: `Usage` sums the usage the server reported for the requests that succeeded;
`Usage.calls` counts every request sent, failed and retried ones included (what a budget settles
against: a 429 is still a request); `Completion.raw["requests"]` counts the successful ones. A call that fails for good raises a
`ModelError` whose `.usage` carries what the successful requests of that call had already consumed.
"""
from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_exponential, wait_random

from agents.errors import BadResponse, ModelError, ModelTimeout
from agents.models import _litellm_support as sup
from agents.models.base import (BudgetStop, Choice, Completion, GenerationParams, Message, Usage, chars_upper_bound,
                                meter)


@dataclass
class _Tally:
    attempts: int = 0
    ok: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    estimated: bool = False
    errors: list[str] = field(default_factory=list)
    budget_stopped: bool = False


def _first_error(eg: BaseExceptionGroup) -> BaseException:
    for e in eg.exceptions:
        if isinstance(e, BaseExceptionGroup):
            return _first_error(e)
        return e
    return eg  # pragma: no cover


class LiteLLMModel:
    def __init__(
        self,
        name: str,
        *,
        api_base: str | None = None,
        api_key: str | None = None,
        supports_n: bool | None = None,
        price: tuple[float, float] | None = None,
        max_retries: int | None = None,
        timeout: float = 120.0,
        backoff: tuple[float, float] = (0.5, 8.0),
        extra: dict[str, Any] | None = None,
    ):
        """`timeout` bounds one request; `GenerationParams.timeout` bounds the whole call.
        `max_retries` per request (default `$SCALEAGENT_MODEL_RETRIES`, else 4);
        `backoff` = (first wait, longest wait) in seconds between retries. `extra` is passed to
        `litellm.acompletion` as is (provider-specific options)."""
        self._litellm = sup.import_litellm()
        self.name = name
        self.api_base = api_base
        self.model_id, self.provider = sup.resolve_provider(self._litellm, name, api_base)
        self.api_key = api_key
        if api_key is None and api_base is not None:
            # self-hosted OpenAI-compatible servers usually need no key, but the client wants one
            missing = self._litellm.validate_environment(name).get("missing_keys") or []
            self.api_key = "EMPTY" if missing else None
        self.supports_n = (sup.provider_supports_n(self._litellm, self.model_id, self.provider)
                           if supports_n is None else supports_n)
        self.max_retries = sup.default_retries() if max_retries is None else max_retries
        self.timeout = timeout
        self.backoff = backoff
        self.extra = dict(extra or {})
        # configured price wins; the cost map only describes the provider's own endpoint
        if price is None and api_base is None:
            price = sup.lookup_price(self._litellm, name, self.model_id, self.provider)
        self._price = price

    def __repr__(self) -> str:
        return f"LiteLLMModel({self.name!r}, api_base={self.api_base!r}, supports_n={self.supports_n})"

    # -- protocol -------------------------------------------------------------------------------
    def price(self) -> tuple[float, float]:
        return self._price or (0.0, 0.0)

    @property
    def price_known(self) -> bool:
        """False when neither the configuration nor litellm's cost map prices this model."""
        return self._price is not None

    def count_tokens_upper_bound(self, messages: list[Message]) -> int:
        return chars_upper_bound(messages)

    async def complete(self, messages: list[Message], params: GenerationParams) -> Completion:
        t0 = time.monotonic()
        tally = _Tally()
        try:
            async with asyncio.timeout(params.timeout):
                choices = await self._sample(messages, params, tally)
        except TimeoutError:
            err: ModelError = ModelTimeout(
                f"model {self.name}: no complete answer within the call timeout of {params.timeout} s")
            raise self._with_usage(err, tally, t0) from None
        except ModelError as e:
            raise self._with_usage(e, tally, t0)
        for i, c in enumerate(choices):
            c.index = i
        return Completion(
            model=self.name,
            choices=choices,
            usage=self._usage(tally, t0),
            raw={"attempts": tally.attempts, "requests": tally.ok, "usage_estimated": tally.estimated,
                 "retried_errors": tally.errors, "budget_stopped": tally.budget_stopped},
        )

    # -- internals ------------------------------------------------------------------------------
    def _usage(self, tally: _Tally, t0: float) -> Usage:
        usd = None
        if self._price is not None:
            usd = tally.input_tokens * self._price[0] + tally.output_tokens * self._price[1]
        return Usage(input_tokens=tally.input_tokens, output_tokens=tally.output_tokens, calls=tally.attempts,
                     seconds=time.monotonic() - t0, usd=usd)

    def _with_usage(self, err: ModelError, tally: _Tally, t0: float) -> ModelError:
        err.usage = self._usage(tally, t0)
        return err

    async def _sample(self, messages: list[Message], params: GenerationParams, tally: _Tally) -> list[Choice]:
        n = params.n
        if n == 1 or not self.supports_n:
            return await self._fan_out(messages, params, tally, count=n, first=0)
        choices = await self._request(messages, params, tally, n=n, seed=params.seed)
        if len(choices) < n:
            if len(choices) == 1:
                self.supports_n = False  # the server ignores `n`: fan out from now on
            choices += await self._fan_out(messages, params, tally, count=n - len(choices), first=len(choices),
                                           partial=True)
        return choices[:n]

    async def _fan_out(self, messages: list[Message], params: GenerationParams, tally: _Tally,
                       *, count: int, first: int, partial: bool = False) -> list[Choice]:
        """`count` parallel one-sample requests, all held by the budget before any is sent; with
        `partial`, as many as the budget holds (possibly none)."""
        def seed(i: int) -> int | None:  # distinct but reproducible samples
            return None if params.seed is None else params.seed + i

        granted = 0
        for _ in range(count):
            try:
                meter().request(1)
            except BudgetStop:
                if not partial:
                    raise
                tally.budget_stopped = True
                break
            granted += 1
        async def one(i: int) -> list[Choice]:
            try:
                return (await self._request(messages, params, tally, n=1, seed=seed(first + i), prepaid=True))[:1]
            except BudgetStop:
                if granted == 1:
                    raise
                tally.budget_stopped = True  # its retry was refused: keep the samples the others paid for
                return []

        if granted == 1:
            return await one(0)
        try:  # TaskGroup: the first failure cancels the other requests
            async with asyncio.TaskGroup() as tg:
                tasks = [tg.create_task(one(i)) for i in range(granted)]
        except BaseExceptionGroup as eg:
            raise _first_error(eg) from None
        choices = [c for t in tasks for c in t.result()]
        if granted and not choices:
            raise BudgetStop(f"model {self.name}: the budget refused the retries of every request")
        return choices

    async def _request(self, messages: list[Message], params: GenerationParams, tally: _Tally,
                       *, n: int, seed: int | None, prepaid: bool = False) -> list[Choice]:
        """One logical request with retries; returns its choices (at least one). Every attempt is
        announced to the meter first, except the first one when `prepaid` (the caller did)."""
        timeout = self.timeout if params.timeout is None else min(self.timeout, params.timeout)
        kwargs: dict[str, Any] = dict(
            model=self.name, messages=messages, max_tokens=params.max_tokens,
            temperature=params.temperature, timeout=timeout, num_retries=0, max_retries=0,
            **self.extra,
        )
        if n > 1:
            kwargs["n"] = n
        if seed is not None:
            kwargs["seed"] = seed
        if params.top_p is not None:
            kwargs["top_p"] = params.top_p
        if params.stop:
            kwargs["stop"] = params.stop
        if params.json_schema is not None:
            kwargs["response_format"] = {"type": "json_schema",
                                         "json_schema": {"name": "response", "schema": params.json_schema}}
        if self.api_base is not None:
            kwargs["api_base"] = self.api_base
        if self.api_key is not None:
            kwargs["api_key"] = self.api_key

        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.max_retries + 1),
            wait=wait_exponential(multiplier=self.backoff[0], max=self.backoff[1])
            + wait_random(0, self.backoff[0]),
            retry=retry_if_exception(lambda e: isinstance(e, ModelError) and e.retryable),
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                if not prepaid or attempt.retry_state.attempt_number > 1:
                    try:
                        meter().request(n)
                    except BudgetStop as stop:
                        last = f"; the last attempt failed: {tally.errors[-1]}" if tally.errors else ""
                        raise BudgetStop(f"{stop}{last}", exceeded=stop.exceeded) from None
                tally.attempts += 1
                try:
                    resp = await self._litellm.acompletion(**kwargs)
                    choices = self._parse(resp, messages, tally)
                except asyncio.CancelledError:
                    raise
                except Exception as e:  # noqa: BLE001 - every failure becomes one of our errors
                    err = sup.map_error(self._litellm, e, self.name)
                    if err.retryable:
                        tally.errors.append(str(err))
                    raise err from e
                return choices
        raise AssertionError("unreachable")  # pragma: no cover

    def _parse(self, resp: Any, messages: list[Message], tally: _Tally) -> list[Choice]:
        raw_choices = getattr(resp, "choices", None) or []
        choices = []
        for c in raw_choices:
            msg = getattr(c, "message", None)
            text = getattr(msg, "content", None) if msg is not None else None
            choices.append(Choice(text=text or "", finish_reason=getattr(c, "finish_reason", None)))
        if not choices:
            raise BadResponse(f"model {self.name}: response has no choices")
        usage = getattr(resp, "usage", None)
        pin, pout = getattr(usage, "prompt_tokens", None), getattr(usage, "completion_tokens", None)
        if pin is None or pout is None:  # no usage reported: count an upper bound, never nothing
            tally.estimated = True
            pin = chars_upper_bound(messages)
            pout = sum(len(c.text.encode("utf-8")) + 1 for c in choices)
        tally.ok += 1
        tally.input_tokens += int(pin)
        tally.output_tokens += int(pout)
        return choices
