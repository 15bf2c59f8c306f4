"""Every controller keeps the `Controller` contract (agents.protocols): `decide(ctx, selection, best)`
returns a Decision with a valid action and a reason; rule-based ones accept a perfect best; none
continues (dig deeper / pivot) when the stage budget cannot pay for another step or past its step
limit; and none raises when the budget cannot pay for what it would ask a model.

Implementations: RuleController, AcceptController, LLMController (a scripted model that always wants
to go on), PatchController (agents/swe/patch_control.py), EpisodeController (interactive stages: it
accepts when the observation says the episode is done, not on a score).
"""
from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, get_args

import pytest

from agents.controllers import (
    AcceptController,
    EpisodeController,
    LLMController,
    RuleController,
)
from agents.models.scripted import ScriptedModel
from agents.protocols import Controller, config_of
from agents.state import Action, Decision, Selection, StageResult, StepRecord, Verdict
from agents.swe.patch_control import PatchController
from budgets import Budget, Spend
from tests.agents.conformance import make_ctx

CONTINUE = ("dig_deeper", "pivot")


@dataclass
class Harness:
    make: Callable[[], Any]
    rules: bool                      # budget/score rules (AcceptController: one step, always accepts)
    model: Callable[[], ScriptedModel] = lambda: ScriptedModel(default='{"action": "dig_deeper", "reason": "more"}')


HARNESSES = {
    "rule": Harness(make=RuleController, rules=True),
    "accept": Harness(make=AcceptController, rules=False),
    "llm": Harness(make=LLMController, rules=True),
    "patch": Harness(make=PatchController, rules=True),
    "episode": Harness(make=EpisodeController, rules=True),
}


def impl_params(xfails: dict[str, str] | None = None) -> list[Any]:
    return [pytest.param(n, id=n, marks=[pytest.mark.xfail(strict=True, reason=(xfails or {})[n])]
                         if n in (xfails or {}) else []) for n in HARNESSES]


def _max_steps(controller: Any) -> int:
    if hasattr(controller, "max_steps"):
        return controller.max_steps
    if hasattr(controller, "fallback"):
        return controller.fallback.max_steps
    return 1


def _ctx(name: str, *, step: int = 0, stage_budget: Budget | None = None, spent: Spend | None = None,
         history: list[StepRecord] | None = None, pivots: int = 0, model: ScriptedModel | None = None):
    ctx = make_ctx(model=model or HARNESSES[name].model(), step=step, history=history, stage_budget=stage_budget,
                   result=StageResult(stage="s", pivots=pivots))
    if spent is not None:
        ctx.stage_tracker.charge(spent)
    return ctx


def _sel(winner: str | None = "c0") -> Selection:
    return Selection(strategy="best_score", winner=winner, ranking=[winner] if winner else [], reason="test")


def _verdict(score: float) -> Verdict:
    return Verdict(candidate_id="c0", score=score, passed=score >= 1.0, feedback="f")


def _assert_decision(d: Any) -> None:
    assert isinstance(d, Decision)
    assert d.action in get_args(Action)
    assert isinstance(d.reason, str) and d.reason.strip()


@pytest.mark.parametrize("name", impl_params())
def test_signature_and_config(name):
    c = HARNESSES[name].make()
    assert isinstance(c, Controller)
    assert list(inspect.signature(c.decide).parameters) == ["ctx", "selection", "best"]
    assert inspect.iscoroutinefunction(c.decide)
    cfg = config_of(c)
    assert json.loads(json.dumps(cfg)) == cfg and cfg["type"] == type(c).__name__


@pytest.mark.parametrize("score", [None, 0.0, 0.2, 0.5, 0.99, 1.0])
@pytest.mark.parametrize("step", [0, 1, 3])
@pytest.mark.parametrize("name", impl_params())
async def test_valid_action_and_reason(name, step, score):
    best = None if score is None else _verdict(score)
    d = await HARNESSES[name].make().decide(_ctx(name, step=step), _sel(None if best is None else "c0"), best)
    _assert_decision(d)


@pytest.mark.parametrize("name", impl_params())
async def test_perfect_best_is_accepted(name):
    ctx = _ctx(name)
    if name == "episode":  # success is what the environment observed
        ctx.current_observation = {"done": True, "success": True}
    d = await HARNESSES[name].make().decide(ctx, _sel(), _verdict(1.0))
    assert d.action == "accept"


@pytest.mark.parametrize("observation", [None, {"done": True, "success": False}, {"error": "no such button"}])
@pytest.mark.parametrize("name", impl_params())
async def test_observations_do_not_break_the_limits(name, observation):
    ctx = _ctx(name, step=_max_steps(HARNESSES[name].make()) - 1)
    ctx.current_observation = observation
    d = await HARNESSES[name].make().decide(ctx, _sel(), _verdict(0.5))
    _assert_decision(d)
    assert d.action not in CONTINUE


@pytest.mark.parametrize("name", impl_params())
async def test_stop_when_stage_budget_is_spent(name):
    ctx = _ctx(name, stage_budget=Budget(model_calls=2), spent=Spend(model_calls=2))
    d = await HARNESSES[name].make().decide(ctx, _sel(), _verdict(0.5))
    _assert_decision(d)
    assert d.action == ("stop" if HARNESSES[name].rules else "accept")


@pytest.mark.parametrize("name", impl_params())
async def test_stop_when_another_step_like_the_last_is_unaffordable(name):
    last = StepRecord(stage="s", step=0, mode="sample", spend={"model_calls": 3, "input_tokens": 30},
                      decision=Decision(action="dig_deeper", reason="r"))
    ctx = _ctx(name, step=1, history=[last], stage_budget=Budget(model_calls=4), spent=Spend(model_calls=2))
    d = await HARNESSES[name].make().decide(ctx, _sel(), _verdict(0.5))
    _assert_decision(d)
    assert d.action not in CONTINUE
    if HARNESSES[name].rules:
        assert d.action == "stop"


@pytest.mark.parametrize("offset", [-1, 0, 5])
@pytest.mark.parametrize("score", [None, 0.1, 0.5])
@pytest.mark.parametrize("name", impl_params())
async def test_never_continues_at_or_past_max_steps(name, score, offset):
    controller = HARNESSES[name].make()
    step = _max_steps(controller) + offset  # offset -1: this is the last allowed step
    d = await controller.decide(_ctx(name, step=step), _sel(None if score is None else "c0"),
                                None if score is None else _verdict(score))
    _assert_decision(d)
    assert d.action not in CONTINUE


@pytest.mark.parametrize("name", impl_params())
async def test_an_unaffordable_question_does_not_raise(name):
    # the rules would dig deeper (nothing spent yet, no step history), but the stage slice cannot pay
    # for one more model call: a controller that asks a model must fall back, not raise
    ctx = _ctx(name, stage_budget=Budget(tokens=40))
    d = await HARNESSES[name].make().decide(ctx, _sel(), _verdict(0.5))
    _assert_decision(d)


async def test_llm_controller_uses_the_model_when_the_rules_allow_it():
    ctx = _ctx("llm")
    d = await LLMController().decide(ctx, _sel(), _verdict(0.5))
    assert d.action == "dig_deeper" and d.reason.startswith("llm:")
    junk = _ctx("llm")
    junk.runtime._models[junk.runtime.default_model] = ScriptedModel(default="no json here")
    d = await LLMController().decide(junk, _sel(), _verdict(0.5))
    assert d.action == "dig_deeper" and "llm controller unusable" in d.reason  # the rules' own choice


def _max_pivots(controller: Any) -> int | None:
    if hasattr(controller, "max_pivots"):
        return controller.max_pivots
    if hasattr(controller, "fallback"):
        return controller.fallback.max_pivots
    return None




def pivot_params() -> list[Any]:
    out = []
    for name in HARNESSES:
        for score in (None, 0.1, 0.5):
            for obs in (None, {"done": True, "success": False}):
                out.append(pytest.param(name, score, obs, id=f"{name}-{score}-{'ended' if obs else 'none'}"))
    return out


@pytest.mark.parametrize(("name", "score", "observation"), pivot_params())
async def test_never_pivots_past_max_pivots(name, score, observation):
    controller = HARNESSES[name].make()
    limit = _max_pivots(controller)
    if limit is None:
        pytest.skip("this controller never pivots")
    wants_pivot = ScriptedModel(default='{"action": "pivot", "reason": "again"}')  # whatever the rules said
    ctx = _ctx(name, pivots=limit, model=wants_pivot)
    ctx.current_observation = observation
    d = await controller.decide(ctx, _sel(None if score is None else "c0"), None if score is None else _verdict(score))
    _assert_decision(d)
    assert d.action != "pivot", d.reason
