"""The one protocol every model backend implements.

A backend turns chat messages into `n` completions and reports the real usage. It knows nothing of
budgets, stages or the engine: the engine reserves budget before calling `complete` and settles
with `Completion.usage` after (see `agents.calls`).
"""
from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel, Field

Message = dict[str, str]  # {"role": "system"|"user"|"assistant", "content": "..."}


class Usage(BaseModel):
    """What one `complete` call really consumed (summed over its choices and any fan-out)."""

    input_tokens: int = 0
    output_tokens: int = 0
    calls: int = 0          # requests actually sent to the provider / forward passes started
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
        """Return exactly `params.n` choices or raise a `agents.errors.ModelError`."""
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
