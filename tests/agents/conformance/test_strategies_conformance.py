"""Every selection strategy keeps the `Strategy` contract (agents.protocols):
`select(ctx, candidates, verdicts) -> Selection` that picks a valid candidate (or None), ranks every
candidate with the invalid ones last, says why, is deterministic, and has a JSON-able config.

Discovered from `agents.strategies.STRATEGIES`, plus the composing `TieBreak` and the SWE
`KeepFailing`; a new strategy in the registry is covered without editing this file.
"""
from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from typing import Any

import pytest

from agents.protocols import Strategy, config_of
from agents.state import Candidate, Selection, Verdict
from agents.strategies import STRATEGIES, LLMJudge, TestVote, TieBreak
from agents.swe.reproduce import KeepFailing
from tests.agents.conformance import cands, make_ctx, verdicts_for


FACTORIES: dict[str, Callable[[], Any]] = {name: cls for name, cls in STRATEGIES.items()}
FACTORIES["tiebreak"] = lambda: TieBreak(primary=TestVote(), judge=LLMJudge())
FACTORIES["keep_failing"] = KeepFailing


def impl_params(xfails: dict[str, str] | None = None) -> list[Any]:
    out = []
    for name in FACTORIES:
        reason = (xfails or {}).get(name)
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        out.append(pytest.param(name, marks=marks, id=name))
    return out


def scenarios() -> dict[str, tuple[list[Candidate], list[Verdict]]]:
    mixed = cands("a", "b", "junk", "b", errors={2: "ValueError: unparseable"})
    few_pass = cands("x", "y")
    return {
        "mixed": (mixed, verdicts_for(mixed, [0.5, 1.0, 0.0, 0.5])),
        "none_passes": (few_pass, verdicts_for(few_pass, [0.2, 0.4])),
        "all_invalid": (cands("p", "q", errors={0: "bad", 1: "bad"}), []),
        "single": ((one := cands("only")), verdicts_for(one, [1.0])),
        "empty": ([], []),
    }


async def _select(name: str, candidates: list[Candidate], verdicts: list[Verdict]) -> Selection:
    ctx = make_ctx()
    strategy = FACTORIES[name]()
    return await strategy.select(ctx, [c.model_copy(deep=True) for c in candidates],
                                 [v.model_copy(deep=True) for v in verdicts])


@pytest.mark.parametrize("name", impl_params())
def test_signature_is_ctx_candidates_verdicts(name):
    strategy = FACTORIES[name]()
    assert isinstance(strategy, Strategy)
    assert list(inspect.signature(strategy.select).parameters) == ["ctx", "candidates", "verdicts"]
    assert inspect.iscoroutinefunction(strategy.select)
    assert isinstance(strategy.name, str) and strategy.name


@pytest.mark.parametrize("scenario", list(scenarios()))
@pytest.mark.parametrize("name", impl_params())
async def test_winner_is_valid_or_none_and_reason_given(name, scenario):
    candidates, verdicts = scenarios()[scenario]
    sel = await _select(name, candidates, verdicts)
    assert isinstance(sel, Selection)
    valid = {c.id for c in candidates if c.valid}
    assert sel.winner is None or sel.winner in valid
    if not valid:
        assert sel.winner is None
    assert isinstance(sel.reason, str) and sel.reason.strip()
    json.loads(sel.model_dump_json())


def ranked_params() -> list[Any]:
    out = []
    for name in FACTORIES:
        for scenario in scenarios():
            out.append(pytest.param(name, scenario, id=f"{name}-{scenario}"))
    return out


@pytest.mark.parametrize(("name", "scenario"), ranked_params())
async def test_ranking_is_a_permutation_with_invalid_last(name, scenario):
    candidates, verdicts = scenarios()[scenario]
    sel = await _select(name, candidates, verdicts)
    assert sorted(sel.ranking) == sorted(c.id for c in candidates), "ranking must hold every candidate once"
    valid = [c.id for c in candidates if c.valid]
    positions = {cid: i for i, cid in enumerate(sel.ranking)}
    invalid = [c.id for c in candidates if not c.valid]
    if valid and invalid:
        assert max(positions[c] for c in valid) < min(positions[c] for c in invalid)
    if sel.winner is not None:
        assert sel.ranking[0] == sel.winner


@pytest.mark.parametrize("name", impl_params())
async def test_invalid_candidate_never_wins_even_with_a_perfect_verdict(name):
    # a verifier that (wrongly) scored an invalid candidate must not make it win
    candidates = cands("broken", "ok", errors={0: "SyntaxError"})
    verdicts = [Verdict(candidate_id="c0", score=1.0, passed=True, details={"tests": {"t": True}}),
                Verdict(candidate_id="c1", score=0.5, passed=True, details={"tests": {"t": False}})]
    sel = await _select(name, candidates, verdicts)
    assert sel.winner in (None, "c1")


@pytest.mark.parametrize("name", impl_params())
async def test_empty_input_gives_no_winner(name):
    sel = await _select(name, [], [])
    assert sel.winner is None and sel.ranking == []


@pytest.mark.parametrize("name", impl_params())
async def test_deterministic_for_the_same_input(name):
    candidates, verdicts = scenarios()["mixed"]
    first = await _select(name, candidates, verdicts)
    second = await _select(name, candidates, verdicts)
    assert first.model_dump() == second.model_dump()


@pytest.mark.parametrize("name", impl_params())
async def test_select_does_not_change_its_inputs(name):
    candidates, verdicts = scenarios()["mixed"]
    before = ([c.model_dump() for c in candidates], [v.model_dump() for v in verdicts])
    strategy = FACTORIES[name]()
    await strategy.select(make_ctx(), candidates, verdicts)
    assert ([c.model_dump() for c in candidates], [v.model_dump() for v in verdicts]) == before


@pytest.mark.parametrize("name", impl_params())
def test_config_is_json_serializable(name):
    cfg = config_of(FACTORIES[name]())
    assert json.loads(json.dumps(cfg)) == cfg
    assert cfg["type"] == type(FACTORIES[name]()).__name__


def test_tiebreak_config_names_its_parts():
    cfg = config_of(FACTORIES["tiebreak"]())
    assert cfg["primary"]["type"] == "TestVote" and cfg["judge"]["type"] == "LLMJudge"
