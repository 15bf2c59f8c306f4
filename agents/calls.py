"""Budgeted calls: reserve the worst case, call under a meter and a deadline, settle the actual usage.

This is the only place the engine talks to a model, so no model call can bypass the tracker.

Rules (what makes every cap hold):
- Plan: a backend that supports `n` sends one request for n samples; any other sends n requests of
  one. The reservation covers the plan at its worst case: every prompt token per request,
  `max_tokens` per sample, one model call per request.
- Beyond the plan: before a backend sends any request it asks the meter (`agents.models.base.meter`);
  a request beyond the plan (a retry, a top-up because the server ignored `n`) extends the
  reservation by that request's worst case *before* it is sent. When the budget refuses, the backend
  stops (`BudgetStop`), what it spent is settled, and `BudgetExceeded` is raised (a top-up refusal
  instead returns the samples already paid for). Every request sent is a model call, failed ones too.
- Seconds: a call's timeout is at most `tracker.seconds_left()`. Backends honour it (litellm cancels
  the HTTP request; llama.cpp stops between tokens and between 512-token prompt batches); as a
  backstop for any backend the call is abandoned `GRACE_S` after its timeout. So with a `seconds`
  cap a model call ends at most `GRACE_S` after the cap (the bounded overshoot, tested), and a call
  cut by the cap raises `BudgetExceeded(dimension="wall_seconds")`.
- A call abandoned without reported usage (cancelled, or the backstop fired) is charged its whole
  reservation: what the provider served is unknown. A `ModelError` without usage (nothing was sent)
  releases it.
"""
from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterable

from budgets import Budget, BudgetExceeded, BudgetTracker, CostModel, Reservation, Spend

from agents.errors import ModelError, ModelTimeout
from agents.models.base import (BudgetStop, Completion, GenerationParams, Message, Meter, Model, Usage,
                                metering)

GRACE_S = 2.0  # how long after its timeout a call that ignores it is abandoned


def planned_requests(model: Model, params: GenerationParams) -> int:
    return 1 if getattr(model, "supports_n", False) else params.n


def worst_case(model: Model, tracker: BudgetTracker, messages: list[Message], params: GenerationParams,
               upper_in: int | None = None) -> Spend:
    """Upper bound of the planned requests of one `complete` call (see the module rules). `upper_in`:
    the prompt's token bound when the caller has it (counting tokenizes the prompt for local models)."""
    upper_in = model.count_tokens_upper_bound(messages) if upper_in is None else upper_in
    requests = planned_requests(model, params)
    return tracker.cost_model.model_call(
        model.name, upper_in * requests, params.max_tokens * params.n, calls=requests,
        fallback_price=model.price(),
    )


def affordable_n(model: Model, tracker: BudgetTracker, messages: list[Message], params: GenerationParams,
                 upper_in: int | None = None) -> int:
    """The largest n ≤ params.n whose worst case fits every cap (0 if not even one sample does)."""
    upper_in = model.count_tokens_upper_bound(messages) if upper_in is None else upper_in
    n = params.n
    while n > 0 and not tracker.can_afford(worst_case(model, tracker, messages, params.model_copy(update={"n": n}),
                                                      upper_in)):
        n -= 1
    return n


def affordable_cap(model: Model, tracker: BudgetTracker, messages: list[Message], params: GenerationParams,
                   upper_in: int | None = None) -> int:
    """The largest output cap in [params.min_tokens, params.max_tokens] at which one sample's worst
    case fits every cap (0 if none does, or the caller set no `min_tokens`)."""
    if params.min_tokens is None:
        return 0
    upper_in = model.count_tokens_upper_bound(messages) if upper_in is None else upper_in

    def fits(cap: int) -> bool:
        return tracker.can_afford(worst_case(model, tracker, messages,
                                             params.model_copy(update={"n": 1, "max_tokens": cap}), upper_in))

    lo, hi = min(params.min_tokens, params.max_tokens), params.max_tokens
    if not fits(lo):
        return 0
    while lo < hi:  # worst case grows with the cap: the largest cap that fits
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if fits(mid) else (lo, mid - 1)
    return lo


class BudgetMeter(Meter):
    """Lets the planned requests through; reserves every other one before it is sent."""

    def __init__(self, reservation: Reservation, model: Model, tracker: BudgetTracker, upper_in: int,
                 params: GenerationParams):
        self._lock = threading.Lock()
        self._reservation, self._model, self._cost = reservation, model, tracker.cost_model
        self._upper_in, self._max_tokens = upper_in, params.max_tokens
        self._planned_calls, self._planned_samples = planned_requests(model, params), params.n
        self.sent = self.samples = self.extended = 0

    def request(self, samples: int = 1) -> None:
        with self._lock:
            if self.sent < self._planned_calls and self.samples + samples <= self._planned_samples:
                self.sent, self.samples = self.sent + 1, self.samples + samples
                return
            extra = self._cost.model_call(self._model.name, self._upper_in, self._max_tokens * samples, calls=1,
                                          fallback_price=self._model.price())
            try:
                self._reservation.extend(extra)
            except BudgetExceeded as e:
                raise BudgetStop(f"model {self._model.name}: the budget refused another request ({e})",
                                 exceeded=e) from None
            self.sent, self.samples, self.extended = self.sent + 1, self.samples + samples, self.extended + 1


async def complete(model: Model, tracker: BudgetTracker, messages: list[Message], params: GenerationParams,
                   *, shrink_n: bool = True) -> Completion:
    """Call `model` under `tracker`. With `shrink_n`, asks for fewer samples when n of them would not
    fit the budget, then (when the caller set `min_tokens`) for one sample with a lower output cap;
    raises `BudgetExceeded` when not even that fits. The samples left out are then drawn in further
    calls (seeds continuing where the first left off), each once the earlier ones have settled and while
    its worst case fits at the full cap: samples usually spend far less than the worst case reserved
    for them, so reserving all n at once left samples undrawn that the budget could pay for (SWE test
    split, 8k tokens: K=4 patch samples in one request of 3 became 1). A failure of a further call ends
    the drawing and keeps the samples already drawn."""
    upper_in = model.count_tokens_upper_bound(messages)  # once: local models tokenize the prompt for it
    first = await _complete(model, tracker, messages, params, upper_in, shrink_n=shrink_n)
    choices, usage = list(first.choices), first.usage
    while shrink_n and 0 < len(choices) < params.n:
        rest = params.model_copy(update={"n": params.n - len(choices),
                                         "seed": None if params.seed is None else params.seed + len(choices)})
        if affordable_n(model, tracker, messages, rest, upper_in) == 0:
            break
        try:
            more = await _complete(model, tracker, messages, rest, upper_in, shrink_n=True)
        except (BudgetExceeded, ModelError):
            break
        if not more.choices:
            break
        choices, usage = choices + list(more.choices), usage + more.usage
    return first if len(choices) == len(first.choices) else first.model_copy(update={"choices": choices,
                                                                                       "usage": usage})


async def _complete(model: Model, tracker: BudgetTracker, messages: list[Message], params: GenerationParams,
                    upper_in: int, *, shrink_n: bool) -> Completion:
    if shrink_n:
        n = affordable_n(model, tracker, messages, params, upper_in)
        cap = params.max_tokens if n else affordable_cap(model, tracker, messages, params, upper_in)
        if cap == 0:
            raise BudgetExceeded(f"{tracker.path}: not enough budget left for one more model call",
                                 dimension="model", scope=tracker.path)
        params = params.model_copy(update={"n": max(n, 1), "max_tokens": cap})
    left = tracker.seconds_left()
    capped = left is not None and (params.timeout is None or left < params.timeout)
    if capped:
        params = params.model_copy(update={"timeout": left})
    reservation = tracker.reserve(worst_case(model, tracker, messages, params, upper_in))
    meter = BudgetMeter(reservation, model, tracker, upper_in, params)
    backstop = None if params.timeout is None else params.timeout + GRACE_S
    with reservation:
        try:
            with metering(meter):
                async with asyncio.timeout(backstop):
                    completion = await model.complete(messages, params)
        except BudgetStop as e:
            _settle(reservation, model, tracker, e.usage)
            raise (e.exceeded if isinstance(e.exceeded, BudgetExceeded) else BudgetExceeded(str(e))) from None
        except ModelError as e:
            # a call that failed for good may still have consumed tokens (a fan-out's successful
            # requests, samples before a timeout): charge them, so spend stays exact
            _settle(reservation, model, tracker, e.usage)
            if isinstance(e, ModelTimeout) and capped:
                raise _out_of_time(tracker) from e
            raise
        except TimeoutError:  # the backstop: the backend ignored its timeout
            reservation.settle(reservation.amount)
            if capped:
                raise _out_of_time(tracker) from None
            raise ModelTimeout(f"model {model.name}: no answer within the call timeout of {params.timeout} s") from None
        except asyncio.CancelledError:
            reservation.settle(reservation.amount)  # the request may have been served: count the worst case
            raise
        reservation.settle(_spend(model, tracker, completion.usage))
    return completion


def _settle(reservation: Reservation, model: Model, tracker: BudgetTracker, usage: Usage | None) -> None:
    if usage is not None and reservation.settled is None:
        reservation.settle(_spend(model, tracker, usage))


def _out_of_time(tracker: BudgetTracker) -> BudgetExceeded:
    return BudgetExceeded(f"{tracker.path}: wall time cap reached during a model call",
                          dimension="wall_seconds", scope=tracker.path)


def _spend(model: Model, tracker: BudgetTracker, u: Usage) -> Spend:
    return tracker.cost_model.model_call(model.name, u.input_tokens, u.output_tokens, calls=u.calls, usd=u.usd,
                                         fallback_price=model.price())


# ---- checking a run's budget before it starts ---------------------------------------------------------
def unpriced_models(models: Iterable[Model], cost_model: CostModel) -> list[str]:
    """Names of the models whose dollars are unknown (no configured price, not local, and the
    backend knows none): a `usd` cap could never bind on them."""
    return [m.name for m in models if not cost_model.knows_price(m.name, bool(getattr(m, "price_known", True)))]


def check_budget(budget: Budget, *, tools: Iterable[str], models: Iterable[Model], cost_model: CostModel) -> Budget:
    """`Budget.check` for a run: tool caps must name the run's `tools`; a `usd` cap needs every model
    priced. Raises a one-line `BudgetError`."""
    return budget.check(tools=tools, unpriced_models=unpriced_models(models, cost_model))
