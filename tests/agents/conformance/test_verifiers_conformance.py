"""Every verifier keeps the `Verifier` contract (agents.protocols): `verify(ctx, candidates)` returns
one verdict per *valid* candidate, in order, with matching ids and scores in [0, 1]; invalid
candidates get none; and a budget too small to pay for verification gives unverified verdicts
(score 0, uncertainty 1) instead of raising.

Implementations: ParseVerifier, JudgeVerifier (a scripted judge model), ExecutionVerifier (the
`local` sandbox backend running a trivial shell command) and the SWE PatchVerifier (a two-file git
repository, pytest in the `local` sandbox; candidates are patches). The SWE reproduction verifier is
not covered (it is the reproduce stage's own, and needs a localize stage's output).
"""
from __future__ import annotations

import inspect
import json
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from agents.models.scripted import ScriptedModel
from agents.protocols import Verifier, config_of
from agents.state import Candidate, Task, Verdict
from agents.swe.patch_verify import PatchVerifier
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
    content: Callable[[str], Any] = str  # "good"/"bad"/"broken" -> what a candidate of this verifier holds
    task: Callable[[Path], Task] | None = None  # the task it verifies for (in a temp dir)
    partial: Budget | None = None   # pays for some of the verifications of `_mixed`, not all


GOOD_DIFF = ("--- a/calc.py\n+++ b/calc.py\n@@ -1,2 +1,3 @@\n def add(a, b):\n-    return a + b\n"
             "+    # same behaviour\n+    return a + b\n")
BAD_DIFF = "--- a/calc.py\n+++ b/calc.py\n@@ -1,2 +1,2 @@\n def add(a, b):\n-    return a + b\n+    return a - b\n"


def _swe_task(tmp: Path) -> Task:
    repo = tmp / "repo"
    repo.mkdir()
    (repo / "calc.py").write_text("def add(a, b):\n    return a + b\n")
    (repo / "tests").mkdir()
    (repo / "tests" / "test_calc.py").write_text(
        "from calc import add\n\n\ndef test_add():\n    assert add(2, 2) == 4\n")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", str(repo)]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run(git + ["add", "-A"], check=True)
    subprocess.run(git + ["commit", "-qm", "base"], check=True)
    base = subprocess.run(git + ["rev-parse", "HEAD"], check=True, capture_output=True, text=True).stdout.strip()
    return Task(id="swe", kind="swe", input={"repo_path": str(repo), "base_commit": base, "workdir": str(repo),
                                             "problem_statement": "add"})


HARNESSES = {
    "parse": Harness(make=ParseVerifier),
    "judge": Harness(make=lambda: JudgeVerifier(rubric="Is it good?"), starved=Budget(model_calls=0),
                     partial=Budget(model_calls=1)),
    "execution": Harness(make=lambda: ExecutionVerifier(_exec_build), starved=Budget(tools={"run_tests": 0}),
                         partial=Budget(tools={"run_tests": 1})),
    "swe_patch": Harness(make=PatchVerifier, starved=Budget(tools={"run_tests": 0}),
                         partial=Budget(tools={"run_tests": 2}),  # the base commit and one patch
                         content=lambda w: {"patch": GOOD_DIFF if w == "good" else BAD_DIFF}, task=_swe_task),
}


def impl_params(xfails: dict[str, str] | None = None) -> list[Any]:
    return [pytest.param(n, id=n, marks=[pytest.mark.xfail(strict=True, reason=(xfails or {})[n])]
                         if n in (xfails or {}) else []) for n in HARNESSES]


@pytest.fixture
def ctx_for(tmp_path):
    def make(name: str, budget: Budget | None = None):
        h = HARNESSES[name]
        return make_ctx(model=h.model(), budget=budget, sandbox="local", task=h.task(tmp_path) if h.task else None)
    return make


def _cands(name: str, *which: str) -> list[Candidate]:
    content = HARNESSES[name].content
    return cands(*(content(w) for w in which), errors={i: "SyntaxError: nope" for i, w in enumerate(which)
                                                        if w == "broken"})


def _mixed(name: str) -> list[Candidate]:
    return _cands(name, "good", "bad", "broken", "good")


@pytest.mark.parametrize("name", impl_params())
def test_signature_is_ctx_candidates(name):
    verifier = HARNESSES[name].make()
    assert isinstance(verifier, Verifier)
    assert list(inspect.signature(verifier.verify).parameters) == ["ctx", "candidates"]
    assert inspect.iscoroutinefunction(verifier.verify)
    json.dumps(config_of(verifier))


@pytest.mark.parametrize("name", impl_params())
async def test_one_verdict_per_valid_candidate_in_order(name, ctx_for):
    candidates = _mixed(name)
    verdicts = await HARNESSES[name].make().verify(ctx_for(name), candidates)
    assert [v.candidate_id for v in verdicts] == [c.id for c in candidates if c.valid]


@pytest.mark.parametrize("name", impl_params())
async def test_scores_in_unit_interval_and_verdicts_serialize(name, ctx_for):
    verdicts = await HARNESSES[name].make().verify(ctx_for(name), _mixed(name))
    assert verdicts
    for v in verdicts:
        assert isinstance(v, Verdict) and 0.0 <= v.score <= 1.0
        assert v.uncertainty is None or 0.0 <= v.uncertainty <= 1.0
        assert Verdict.model_validate_json(v.model_dump_json()) == v


@pytest.mark.parametrize("name", impl_params())
async def test_good_scores_above_bad(name, ctx_for):
    by_id = {v.candidate_id: v for v in await HARNESSES[name].make().verify(ctx_for(name), _cands(name, "good", "bad"))}
    if name == "parse":  # parsing cannot tell them apart
        assert by_id["c0"].score == by_id["c1"].score == 1.0
    else:
        assert by_id["c0"].score > by_id["c1"].score


@pytest.mark.parametrize("name", impl_params())
async def test_no_candidates_no_verdicts(name, ctx_for):
    assert list(await HARNESSES[name].make().verify(ctx_for(name), [])) == []


@pytest.mark.parametrize("name", impl_params())
async def test_unaffordable_verification_gives_unverified_verdicts(name, ctx_for):
    h = HARNESSES[name]
    if h.starved is None:
        pytest.skip("this verifier spends nothing")
    ctx = ctx_for(name, budget=h.starved)
    candidates = _mixed(name)
    verdicts = await h.make().verify(ctx, candidates)
    assert [v.candidate_id for v in verdicts] == [c.id for c in candidates if c.valid]
    assert all(v.score == 0.0 and v.uncertainty == 1.0 and not v.passed for v in verdicts)
    assert ctx.runtime.tracker.spent.model_calls == 0 and not ctx.runtime.tracker.spent.tools


@pytest.mark.parametrize("name", impl_params())
async def test_spend_is_charged_to_the_step_tracker(name, ctx_for):
    ctx = ctx_for(name, budget=Budget(model_calls=100, tools={"run_tests": 100}))
    await HARNESSES[name].make().verify(ctx, _mixed(name))
    spent = ctx.runtime.tracker.spent
    if name == "judge":
        assert spent.model_calls == 3 and ctx.tracker.spent.model_calls == 3
    elif name == "execution" or name == "swe_patch":
        assert spent.tools == {"run_tests": 3} and ctx.tracker.spent.tools == {"run_tests": 3}
    else:
        assert spent.model_calls == 0 and not spent.tools


@pytest.mark.parametrize("name", impl_params())
async def test_what_the_budget_paid_for_is_kept_when_it_runs_out(name, ctx_for):
    # a budget that pays for some verifications: those verdicts are real, the others unverified, and
    # no paid run is thrown away
    h = HARNESSES[name]
    if h.partial is None:
        pytest.skip("this verifier spends nothing")
    ctx = ctx_for(name, budget=h.partial)
    candidates = _mixed(name)
    verdicts = await h.make().verify(ctx, candidates)
    assert [v.candidate_id for v in verdicts] == [c.id for c in candidates if c.valid]
    unverified = [v for v in verdicts if v.uncertainty == 1.0 and v.score == 0.0 and v.passed is None]
    assert 0 < len(unverified) < len(verdicts), [v.feedback[:80] for v in verdicts]
