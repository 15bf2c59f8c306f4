"""A deterministic model for unit tests only: replays given responses and reports given usage.

Responses are consumed in order, one per choice; a response may be a string, an exception instance
(raised for that call) or a callable `(messages, params) -> str` for prompt-dependent answers. When
the script runs out, `default` is returned (or an error is raised if there is none).
Each call is one request for its n samples (announced to the budget meter first); a `delay` longer
than `params.timeout` sleeps the timeout and raises ModelTimeout (usage: the prompt, one request).
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from typing import Any

from agents.errors import ModelError, ModelTimeout
from agents.models.base import Choice, Completion, GenerationParams, Message, Usage, chars_upper_bound, meter

Response = str | BaseException | Callable[[list[Message], GenerationParams], str]


class ScriptedModel:
    def __init__(
        self,
        responses: Iterable[Response] = (),
        *,
        name: str = "scripted",
        default: Response | None = None,
        input_tokens: int = 10,
        output_tokens: int | None = None,
        price: tuple[float, float] = (0.0, 0.0),
        delay: float = 0.0,
    ):
        self.name = name
        self._responses = list(responses)
        self._default = default
        self._input_tokens = input_tokens
        self._output_tokens = output_tokens
        self._price = price
        self._delay = delay
        self.calls: list[dict[str, Any]] = []  # what the engine sent, for assertions
        self._lock = asyncio.Lock()

    price_known = True

    def price(self) -> tuple[float, float]:
        return self._price

    def count_tokens_upper_bound(self, messages: list[Message]) -> int:
        return max(chars_upper_bound(messages), self._input_tokens)

    def _next(self) -> Response:
        if self._responses:
            return self._responses.pop(0)
        if self._default is not None:
            return self._default
        raise ModelError("scripted model ran out of responses; give it more or a default")

    async def complete(self, messages: list[Message], params: GenerationParams) -> Completion:
        meter().request(params.n)
        if self._delay:
            if params.timeout is not None and self._delay > params.timeout:
                await asyncio.sleep(params.timeout)
                err = ModelTimeout(f"model {self.name}: no answer within the call timeout of {params.timeout} s")
                err.usage = Usage(input_tokens=self._input_tokens, calls=1, seconds=params.timeout,
                                  usd=self._input_tokens * self._price[0])
                raise err
            await asyncio.sleep(self._delay)
        async with self._lock:
            self.calls.append({"messages": messages, "params": params.model_dump()})
            choices: list[Choice] = []
            out_tokens = 0
            for i in range(params.n):
                r = self._next()
                if isinstance(r, BaseException):
                    raise r
                text = r(messages, params) if callable(r) else r
                tokens = self._output_tokens if self._output_tokens is not None else max(1, len(text.split()))
                tokens = min(tokens, params.max_tokens)
                out_tokens += tokens
                choices.append(Choice(text=text, finish_reason="stop", index=i))
        pin, pout = self._price
        return Completion(
            model=self.name,
            choices=choices,
            usage=Usage(
                input_tokens=self._input_tokens,
                output_tokens=out_tokens,
                calls=1,
                seconds=self._delay,
                usd=self._input_tokens * pin + out_tokens * pout,
            ),
        )
