"""Every verifier keeps the `Verifier` contract (agents.protocols): `verify(ctx, candidates)` returns
one verdict per *valid* candidate, in order, with matching ids and scores in [0, 1]; invalid
candidates get none; and a budget too small to pay for verification gives unverified verdicts
(score 0, uncertainty 1) instead of raising.

Implementations: ParseVerifier, JudgeVerifier (a scripted judge model) and ExecutionVerifier (the
`local` sandbox backend running a trivial shell command). The SWE verifiers need git repositories and
pytest runs per candidate; they are not covered here.
"""
from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from agents.models.scripted import ScriptedModel
from agents.protocols import Verifier, config_of
from agents.state import Candidate, Verdict
from agents.verifiers import ExecSpec, ExecutionVerifier, JudgeVerifier, ParseVerifier
from budgets import Budget

from tests.agents.conformance import cands, make_ctx

pytestmark = pytest.mark.filterwarnings("ignore:sandbox backend 'local' does not isolate")


def _judge(messages, params) -> str:
    answer = messages[-1]["content"].split("Answer:\n", 1)[1].split("\n\n", 1)[0]
    return json.dumps({"score": 9 if answer == "good" else 2, "reason": f"graded {answer}"})


def _exec_build(ctx, cand: Candidate) -> ExecSpec:
    return ExecSpec(files={"answer.txt": str(cand.content)}, command='test "$(cat answer.txt)" = good', timeout=20)


@dataclass
class Harness:
    make: Callable[[], Any]
    model: Callable[[], ScriptedModel] = lambda: ScriptedModel(default=_judge)
    starved: Budget | None = None   # a budget that cannot pay for one verification (None: it needs none)


HARNESSES = {
    "parse": Harness(make=ParseVerifier),
    "judge": Harness(make=lambda: JudgeVerifier(rubric="Is it good?"), starved=Budget(model_calls=0)),
    "execution": Harness(make=lambda: ExecutionVerifier(_exec_build), starved=Budget(tools={"run_tests": 0})),
}


def impl_params(xfails: dict[str, str] | None = None) -> list[Any]:
    return [pytest.param(n, id=n, marks=[pytest.mark.xfail(strict=True, reason=(xfails or {})[n])]
                         if n in (xfails or {}) else []) for n in HARNESSES]


def _ctx(name: str, budget: Budget | None = None):
    return make_ctx(model=HARNESSES[name].model(), budget=budget, sandbox="local")


def _mixed() -> list[Candidate]:
    return cands("good", "bad", "broken", "good", errors={2: "SyntaxError: nope"})


@pytest.mark.parametrize("name", impl_params())
def test_signature_is_ctx_candidates(name):
    verifier = HARNESSES[name].make()
    assert isinstance(verifier, Verifier)
    assert list(inspect.signature(verifier.verify).parameters) == ["ctx", "candidates"]
    assert inspect.iscoroutinefunction(verifier.verify)
    json.dumps(config_of(verifier))


@pytest.mark.parametrize("name", impl_params())
async def test_one_verdict_per_valid_candidate_in_order(name):
    candidates = _mixed()
    verdicts = await HARNESSES[name].make().verify(_ctx(name), candidates)
    assert [v.candidate_id for v in verdicts] == [c.id for c in candidates if c.valid]


@pytest.mark.parametrize("name", impl_params())
async def test_scores_in_unit_interval_and_verdicts_serialize(name):
    verdicts = await HARNESSES[name].make().verify(_ctx(name), _mixed())
    assert verdicts
    for v in verdicts:
        assert isinstance(v, Verdict) and 0.0 <= v.score <= 1.0
        assert v.uncertainty is None or 0.0 <= v.uncertainty <= 1.0
        assert Verdict.model_validate_json(v.model_dump_json()) == v


@pytest.mark.parametrize("name", impl_params())
async def test_good_scores_above_bad(name):
    by_id = {v.candidate_id: v for v in await HARNESSES[name].make().verify(_ctx(name), cands("good", "bad"))}
    if name == "parse":  # parsing cannot tell them apart
        assert by_id["c0"].score == by_id["c1"].score == 1.0
    else:
        assert by_id["c0"].score > by_id["c1"].score


@pytest.mark.parametrize("name", impl_params())
async def test_no_candidates_no_verdicts(name):
    assert list(await HARNESSES[name].make().verify(_ctx(name), [])) == []


@pytest.mark.parametrize("name", impl_params())
async def test_unaffordable_verification_gives_unverified_verdicts(name):
    h = HARNESSES[name]
    if h.starved is None:
        pytest.skip("this verifier spends nothing")
    ctx = _ctx(name, budget=h.starved)
    candidates = _mixed()
    verdicts = await h.make().verify(ctx, candidates)
    assert [v.candidate_id for v in verdicts] == [c.id for c in candidates if c.valid]
    assert all(v.score == 0.0 and v.uncertainty == 1.0 and not v.passed for v in verdicts)
    assert ctx.runtime.tracker.spent.model_calls == 0 and not ctx.runtime.tracker.spent.tools


@pytest.mark.parametrize("name", impl_params())
async def test_spend_is_charged_to_the_step_tracker(name):
    ctx = _ctx(name, budget=Budget(model_calls=100, tools={"run_tests": 100}))
    await HARNESSES[name].make().verify(ctx, _mixed())
    spent = ctx.runtime.tracker.spent
    if name == "judge":
        assert spent.model_calls == 3 and ctx.tracker.spent.model_calls == 3
    elif name == "execution":
        assert spent.tools == {"run_tests": 3} and ctx.tracker.spent.tools == {"run_tests": 3}
    else:
        assert spent.model_calls == 0 and not spent.tools
