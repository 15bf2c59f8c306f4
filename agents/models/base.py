"""The one protocol every model backend implements.

A backend turns chat messages into `n` completions and reports the real usage. It knows nothing of
budgets, stages or the engine: the engine reserves budget before calling `complete` and settles
with `Completion.usage` after (see `agents.calls`). Two duties tie it to the budget:

- Before it sends *any* request (a provider request, a forward pass of one sample), it calls
  `meter().request(samples=k)`. The engine's meter lets the planned requests through and reserves
  budget for every one beyond them (a retry, a top-up for a server that ignored `n`) before it is
  sent; when the budget says no it raises `BudgetStop` and the backend must not send. Outside a
  budget the meter allows everything. `Usage.calls` counts every request sent, failed ones included.
- It honours `GenerationParams.timeout` for the whole call (the engine derives it from the seconds
  a budget has left) and stops within a small, documented overshoot.
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel, Field

from agents.errors import ModelError

Message = dict[str, str]  # {"role": "system"|"user"|"assistant", "content": "..."}


class Usage(BaseModel):
    """What one `complete` call really consumed (summed over its choices and any fan-out)."""

    input_tokens: int = 0
    output_tokens: int = 0
    calls: int = 0          # requests sent to the provider (retries and failures too) / samples started
    seconds: float = 0.0    # wall time of the call
    usd: float | None = None  # provider-reported or litellm-priced dollars; None = price it ourselves

    def __add__(self, other: "Usage") -> "Usage":
        usd = None if self.usd is None and other.usd is None else (self.usd or 0.0) + (other.usd or 0.0)
        return Usage(
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            calls=self.calls + other.calls,
            seconds=self.seconds + other.seconds,
            usd=usd,
        )


class Choice(BaseModel):
    text: str
    finish_reason: str | None = None  # "stop" | "length" | ...
    index: int = 0


class Completion(BaseModel):
    model: str
    choices: list[Choice]
    usage: Usage = Field(default_factory=Usage)
    raw: dict[str, Any] | None = Field(default=None, exclude=True)

    @property
    def texts(self) -> list[str]:
        return [c.text for c in self.choices]


class GenerationParams(BaseModel):
    """Sampling parameters shared by all backends."""

    n: int = Field(default=1, ge=1)
    max_tokens: int = Field(default=512, ge=1)
    # the least output cap the caller accepts: when not even one sample at `max_tokens` fits the budget,
    # the call runs with one sample and its cap lowered to what fits, down to this (None: refuse instead)
    min_tokens: int | None = Field(default=None, ge=1)
    temperature: float = Field(default=0.7, ge=0.0)
    top_p: float | None = None
    stop: list[str] | None = None
    seed: int | None = None
    json_schema: dict[str, Any] | None = None  # constrain output to this JSON schema (tool calls)
    timeout: float | None = None  # seconds for the whole call


@runtime_checkable
class Model(Protocol):
    """A chat model. `name` is the user-facing id, e.g. `local/qwen2.5-coder-0.5b`, `openai/gpt-4o-mini`."""

    name: str

    async def complete(self, messages: list[Message], params: GenerationParams) -> Completion:
        """Return exactly `params.n` choices or raise a `agents.errors.ModelError` (carrying `.usage`
        when anything was spent). Fewer choices only when the meter refused the requests for the
        rest (`Completion.raw["budget_stopped"]`)."""
        ...

    def price(self) -> tuple[float, float]:
        """Dollars per input token and per output token (0, 0 for local models)."""
        ...

    def count_tokens_upper_bound(self, messages: list[Message]) -> int:
        """An upper bound on the prompt tokens of `messages`, used to reserve budget before a call."""
        ...


def chars_upper_bound(messages: list[Message]) -> int:
    """Prompt-token upper bound without a tokenizer: every BPE token covers at least one character
    (bytes for non-ASCII), plus a per-message allowance for the chat template."""
    return sum(len(m.get("content", "").encode("utf-8")) + 16 for m in messages) + 16


class BudgetStop(ModelError):
    """The budget refused a request the backend needed; `exceeded` is the `BudgetExceeded`."""

    def __init__(self, message: str, exceeded: BaseException | None = None):
        super().__init__(message)
        self.exceeded = exceeded


class Meter:
    """What a backend asks before sending a request. This default (no budget) allows everything."""

    def request(self, samples: int = 1) -> None:
        """Say that one request for `samples` samples is about to be sent; `BudgetStop` = do not send."""


_METER: ContextVar[Meter] = ContextVar("scaleagent_meter", default=Meter())


def meter() -> Meter:
    """The meter of the budgeted call this code runs in (asyncio tasks and `to_thread` inherit it)."""
    return _METER.get()


@contextlib.contextmanager
def metering(m: Meter) -> Iterator[Meter]:
    token = _METER.set(m)
    try:
        yield m
    finally:
        _METER.reset(token)
