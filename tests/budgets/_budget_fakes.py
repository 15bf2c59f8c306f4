"""A fake model backend for the budget invariants: it does what broke caps before (claims `n` and
ignores it, retries, fails after partial usage, reports more than its own worst case, runs long),
and keeps the backend duties of `agents.models.base` (meter every request, honour the timeout)."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from agents.errors import ModelError, ModelTimeout
from agents.models.base import BudgetStop, Choice, Completion, GenerationParams, Usage, meter

STEP_S = 0.1        # fake seconds per clock tick: a call stops at most one tick after its deadline
PRICE = (1e-3, 2e-3)


@dataclass
class FakeClock:
    now: float = 0.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Behaviour:
    claims_n: bool = True      # says it supports `n` ...
    ignores_n: bool = False    # ... but answers one choice per request
    failures: int = 0          # failed attempts (429s) before each request succeeds
    fail_after: int | None = None  # raise a ModelError (with usage) after this many good requests
    over_in: int = 0           # input tokens reported above its own upper bound, per request
    seconds: float = 0.0       # fake seconds the call takes
    out_tokens: int = 5        # output tokens per sample (capped at max_tokens)


@dataclass
class Record:
    """What the fake reported, per tracker path, and the excess above its own worst case."""

    usage: dict[str, Usage] = field(default_factory=dict)
    excess_in: dict[str, int] = field(default_factory=dict)
    timeouts: list[tuple[float | None, float | None]] = field(default_factory=list)  # (timeout, seconds left)


class FakeBackend:
    def __init__(self, behaviour: Behaviour, clock: FakeClock, record: Record, path: str, check, bound_in: int = 20):
        self.name, self.b, self.clock, self.record, self.path = "fake/api", behaviour, clock, record, path
        self.supports_n, self.bound_in, self.check = behaviour.claims_n, bound_in, check
        self.left_at_start: float | None = None

    def price(self) -> tuple[float, float]:
        return PRICE

    def count_tokens_upper_bound(self, messages) -> int:
        return self.bound_in

    async def complete(self, messages, params: GenerationParams) -> Completion:
        self.record.timeouts.append((params.timeout, self.left_at_start))
        start, u, choices, good = self.clock.now, Usage(), [], 0
        queue = [params.n] if self.b.claims_n else [1] * params.n
        ticks = max(1, round(self.b.seconds / STEP_S))
        first = True
        try:
            while queue:
                k = queue.pop(0)
                for _ in range(self.b.failures + 1):  # failed attempts, then the good one
                    try:
                        meter().request(k)
                    except BudgetStop:
                        if not first:  # a top-up the budget refused: keep what was paid for
                            queue = []
                            break
                        raise
                    u.calls += 1
                    self.check()
                    await asyncio.sleep(0)
                else:
                    for _ in range(ticks):  # the request takes time, and honours the deadline
                        if params.timeout is not None and self.clock.now >= start + params.timeout:
                            raise ModelTimeout("fake: call timeout")
                        self.clock.now += STEP_S
                        await asyncio.sleep(0)
                    got = 1 if self.b.ignores_n else k
                    u.input_tokens += self.bound_in + self.b.over_in
                    u.output_tokens += got * min(self.b.out_tokens, params.max_tokens)
                    self._excess(self.b.over_in)
                    choices += [Choice(text="x", index=len(choices)) for _ in range(got)]
                    good += 1
                    if self.b.fail_after is not None and good >= self.b.fail_after:
                        raise ModelError("fake: failed after partial usage")
                    if first and got < k:
                        queue += [1] * (k - got)  # top up, one sample per request
                first = False
        except ModelError as e:
            e.usage = self._report(u)
            raise
        return Completion(model=self.name, choices=choices, usage=self._report(u))

    def _report(self, u: Usage) -> Usage:
        u.usd = u.input_tokens * PRICE[0] + u.output_tokens * PRICE[1]
        self.record.usage[self.path] = self.record.usage.get(self.path, Usage()) + u
        return u

    def _excess(self, tokens: int) -> None:
        self.record.excess_in[self.path] = self.record.excess_in.get(self.path, 0) + tokens
