"""Budgeted calls: reserve the worst case, call, settle the actual usage.

This is the only place the engine talks to a model, so no model call can bypass the tracker.
"""
from __future__ import annotations

from budgets import BudgetExceeded, BudgetTracker, Spend

from agents.errors import ModelError
from agents.models.base import Completion, GenerationParams, Message, Model, Usage


def worst_case(model: Model, tracker: BudgetTracker, messages: list[Message], params: GenerationParams) -> Spend:
    """Upper bound of one `complete` call: every prompt token, `n × max_tokens` out, `n` requests."""
    upper_in = model.count_tokens_upper_bound(messages)
    fan_out = 1 if getattr(model, "supports_n", False) else params.n
    return tracker.cost_model.model_call(
        model.name, upper_in * fan_out, params.max_tokens * params.n, calls=fan_out,
        fallback_price=model.price(),
    )


def affordable_n(model: Model, tracker: BudgetTracker, messages: list[Message], params: GenerationParams) -> int:
    """The largest n ≤ params.n whose worst case fits every cap (0 if not even one sample does)."""
    n = params.n
    while n > 0 and not tracker.can_afford(worst_case(model, tracker, messages, params.model_copy(update={"n": n}))):
        n -= 1
    return n


async def complete(model: Model, tracker: BudgetTracker, messages: list[Message], params: GenerationParams,
                   *, shrink_n: bool = True) -> Completion:
    """Call `model` under `tracker`. With `shrink_n`, asks for fewer samples when n of them would not
    fit the budget; raises `BudgetExceeded` when not even one fits."""
    if shrink_n:
        n = affordable_n(model, tracker, messages, params)
        if n == 0:
            raise BudgetExceeded(f"{tracker.path}: not enough budget left for one more model call",
                                 dimension="model", scope=tracker.path)
        params = params.model_copy(update={"n": n})
    reservation = tracker.reserve(worst_case(model, tracker, messages, params))
    with reservation:
        try:
            completion = await model.complete(messages, params)
        except ModelError as e:
            # a call that failed for good may still have consumed tokens (a fan-out's successful
            # requests, samples before a timeout): charge them, so spend stays exact
            if getattr(e, "usage", None) is not None:
                reservation.settle(_spend(model, tracker, e.usage))
            raise
        reservation.settle(_spend(model, tracker, completion.usage))
    return completion


def _spend(model: Model, tracker: BudgetTracker, u: Usage) -> Spend:
    return tracker.cost_model.model_call(model.name, u.input_tokens, u.output_tokens, calls=u.calls, usd=u.usd,
                                         fallback_price=model.price())
