"""Engine v2's budget rules through real `agents.graph.run` runs: remainder shares, a fresh slice on
re-entry, step budgets, the one rule for a budget that runs out mid-step, and `failed` when no
model call succeeded."""
from __future__ import annotations

import json

import pytest

from agents import (
    ModelStage,
    Pipeline,
    RuleController,
    Runtime,
    Stage,
    Task,
    Verdict,
    run,
)
from agents.controllers import AcceptController, LLMController
from agents.errors import ModelError
from agents.models.scripted import ScriptedModel
from agents.state import SampleRequest, StepRecord
from budgets import Budget


def ask(text: str):
    return lambda ctx: [{"role": "user", "content": text}]


def one_shot(name: str, **kw) -> ModelStage:
    return ModelStage(name, ask(name), k=1, controller=AcceptController(), **kw)


class ScoreByNumber:
    async def verify(self, ctx, candidates):
        return [Verdict(candidate_id=c.id, score=min(1.0, int(c.content) / 10), passed=int(c.content) >= 10)
                for c in candidates if c.valid]


def budgets_of(rt: Runtime) -> dict[str, dict]:
    return {path: entry["budget"] for path, entry in rt.tracker.ledger().items() if isinstance(entry, dict)}


def spent_of(rt: Runtime) -> dict[str, dict]:
    return {path: entry["spent"] for path, entry in rt.tracker.ledger().items() if isinstance(entry, dict)}


# ---- shares ------------------------------------------------------------------------------------------
async def test_a_stage_without_share_gets_the_remainder():
    pipe = Pipeline([one_shot("a", share=0.25), one_shot("b")])
    assert pipe.shares() == {"a": 0.25, "b": 0.75}
    rt = Runtime(model=ScriptedModel(default="1"), budget=Budget(model_calls=40))
    await run(pipe, Task(id="t"), rt)
    caps = budgets_of(rt)
    assert caps["run/a"]["model_calls"] == 10          # a quarter of the run
    assert caps["run/b"]["model_calls"] == 40 - 1      # all that a left (it spent one call)


async def test_stages_without_share_split_what_the_others_leave():
    pipe = Pipeline([one_shot("a"), one_shot("b"), one_shot("c", share=0.5)])
    assert pipe.shares() == {"a": 0.25, "b": 0.25, "c": 0.5}
    rt = Runtime(model=ScriptedModel(default="1"), budget=Budget(tokens=4000))
    await run(pipe, Task(id="t"), rt)
    caps, spent = budgets_of(rt), spent_of(rt)
    assert caps["run/a"]["tokens"] == 1000
    used_a = spent["run/a"]["input_tokens"] + spent["run/a"]["output_tokens"]
    assert caps["run/b"]["tokens"] == int((4000 - used_a) * (0.25 / 0.75))  # its quarter of the whole, of what is left
    used = used_a + spent["run/b"]["input_tokens"] + spent["run/b"]["output_tokens"]
    assert caps["run/c"]["tokens"] == 4000 - used  # the last stage gets all that is left


# ---- a pivot back gets a fresh slice -----------------------------------------------------------------
async def test_a_pivot_back_to_an_earlier_stage_gets_a_fresh_slice_of_what_remains():
    loc = one_shot("loc", share=0.5)
    fix = ModelStage("fix", ask("fix"), k=1, verifier=ScoreByNumber(), pivot_to="loc",
                     controller=RuleController(promising=0.5, max_pivots=1, max_steps=3))
    rt = Runtime(model=ScriptedModel(default="1"), budget=Budget(model_calls=40))
    result = await run(Pipeline([loc, fix]), Task(id="t"), rt)
    assert result.stages["loc"].steps == 2
    caps, spent = budgets_of(rt), spent_of(rt)
    assert caps["run/loc"]["model_calls"] == 20                  # half of 40
    assert caps["run/loc#2"]["model_calls"] == (40 - 2) // 2     # half of what was left at the pivot
    assert spent["run/loc"]["model_calls"] == 1 and spent["run/loc#2"]["model_calls"] == 1
    assert "run/fix#2" in caps and spent["run/fix#2"]["model_calls"] >= 1
    assert spent["run"]["model_calls"] == sum(v["model_calls"] for k, v in spent.items() if k.count("/") == 1)


# ---- step budgets -------------------------------------------------------------------------------------
class ThreeCalls(Stage):
    name = "steps"

    def requests(self, ctx):
        return [SampleRequest(messages=[{"role": "user", "content": f"call {i}"}], params=self.params(ctx, n=1))
                for i in range(3)]


async def test_step_budget_caps_each_step_and_the_next_step_gets_its_own():
    stage = ThreeCalls(verifier=ScoreByNumber(), step_budget=Budget(model_calls=2),
                       controller=RuleController(promising=0.0, max_digs=9, max_steps=2))
    rt = Runtime(model=ScriptedModel(default="5"), budget=Budget(model_calls=100))
    result = await run(Pipeline([stage]), Task(id="t"), rt)
    assert result.steps == 2
    caps, spent = budgets_of(rt), spent_of(rt)
    for i in (0, 1):
        assert caps[f"run/steps/step{i}"]["model_calls"] == 2
        assert spent[f"run/steps/step{i}"]["model_calls"] == 2     # the third request was refused
    assert spent["run"]["model_calls"] == 4


async def test_step_budget_records_what_it_stopped(tmp_path):
    stage = ThreeCalls(verifier=ScoreByNumber(), step_budget=Budget(model_calls=2),
                       controller=RuleController(promising=0.0, max_digs=9, max_steps=2))
    await run(Pipeline([stage]), Task(id="t"), Runtime(model=ScriptedModel(default="5")), run_dir=tmp_path / "r")
    recs = [StepRecord.model_validate_json(x) for x in (tmp_path / "r" / "trajectory.jsonl").read_text().splitlines()]
    assert [len(r.candidates) for r in recs] == [2, 2]
    assert all(any("budget" in e and "kept the 2 samples" in e for e in r.errors) for r in recs)
    assert recs[0].spend["model_calls"] == 2




async def test_a_step_budget_that_cannot_pay_one_request_does_not_spin():
    stage = ModelStage("s", ask("x"), k=1, step_budget=Budget(model_calls=0),
                       controller=RuleController(promising=0.0, max_digs=99, max_pivots=99, max_steps=40))
    model = ScriptedModel(default="1")
    result = await run(Pipeline([stage]), Task(id="t"), Runtime(model=model, budget=Budget(model_calls=10)))
    assert len(model.calls) == 0
    assert result.steps <= 2 and "budget" in result.stages["s"].reason


# ---- the budget runs out mid-step --------------------------------------------------------------------
class TwoRequests(Stage):
    """Two calls of two samples; the run budget pays for the first only."""

    name = "mid"

    def requests(self, ctx):
        return [SampleRequest(messages=[{"role": "user", "content": f"part {i}"}], params=self.params(ctx, n=2))
                for i in range(2)]


def _mid_model() -> ScriptedModel:
    model = ScriptedModel(["3", "6", "9", "9"], input_tokens=10, output_tokens=5)
    model.supports_n = True  # one request (one model call) per SampleRequest
    return model


@pytest.mark.parametrize("budget", [
    Budget(model_calls=1),  # before 76e34c6: the controller stopped, for "cannot pay another step", not the rule
    Budget(tokens=60),      # before 76e34c6: a request's worst case is 48 tokens, a call costs 20: the
], ids=["calls", "tokens"])  # controller dug deeper and the next step was refused at once
async def test_budget_out_while_sampling_keeps_paid_samples_and_stops(tmp_path, budget):
    stage = TwoRequests(verifier=ScoreByNumber(), max_tokens=5,
                        controller=RuleController(promising=0.0, max_digs=9, max_steps=9))
    rt = Runtime(model=_mid_model(), budget=budget)
    result = await run(Pipeline([stage]), Task(id="t"), rt, run_dir=tmp_path / "r")
    recs = [StepRecord.model_validate_json(x) for x in (tmp_path / "r" / "trajectory.jsonl").read_text().splitlines()]
    first = recs[0]
    assert [c.content for c in first.candidates] == ["3", "6"]                       # paid for: kept
    assert {v.candidate_id for v in first.verdicts} == {c.id for c in first.candidates}  # and verified
    assert first.selection.winner == first.candidates[1].id                          # and selected
    assert first.decision.action == "stop" and "budget exhausted" in first.decision.reason
    assert len(recs) == 1 and result.answer == "6" and rt.tracker.spent.model_calls == 1
    assert result.stages["mid"].status == "stopped" and "budget exhausted" in result.stages["mid"].reason


class CostlyCheck:
    """A verifier that charges one `check` tool call per candidate and lets the refusal propagate."""

    async def verify(self, ctx, candidates):
        out = []
        for c in candidates:
            if c.valid:
                ctx.tracker.charge(ctx.tracker.cost_model.tool_call("check"))
                out.append(Verdict(candidate_id=c.id, score=min(1.0, int(c.content) / 10)))
        return out


async def test_budget_out_while_verifying_selects_among_paid_samples_and_stops(tmp_path):
    stage = ModelStage("mid", ask("go"), k=2, verifier=CostlyCheck(),
                       controller=RuleController(promising=0.0, max_digs=9, max_steps=9))
    model = ScriptedModel(["3", "6", "9", "9"], default="1")
    rt = Runtime(model=model, budget=Budget(tools={"check": 3}))
    result = await run(Pipeline([stage]), Task(id="t"), rt, run_dir=tmp_path / "r")
    recs = [StepRecord.model_validate_json(x) for x in (tmp_path / "r" / "trajectory.jsonl").read_text().splitlines()]
    last = recs[-1]  # step 0 verified both (2 checks); step 1 could pay for one check only
    assert len(recs) == 2 and [c.content for c in last.candidates] == ["9", "9"]
    assert all(v.uncertainty == 1.0 and v.score == 0.0 for v in last.verdicts)  # not verified: said so
    assert last.selection.winner is not None
    assert last.decision.action == "stop" and "budget exhausted" in last.decision.reason
    assert result.answer == "6" and result.stages["mid"].verdict.score == 0.6  # the best so far, verified
    assert rt.tracker.spent.tools["check"] <= 3


async def test_a_controller_question_the_budget_cannot_pay_stops_the_stage(tmp_path):
    stage = ModelStage("q", ask("go"), k=1, verifier=ScoreByNumber(), controller=LLMController())
    model = ScriptedModel(default="5")
    model.supports_n = True
    rt = Runtime(model=model, budget=Budget(model_calls=1))
    result = await run(Pipeline([stage]), Task(id="t"), rt, run_dir=tmp_path / "r")
    rec = json.loads((tmp_path / "r" / "trajectory.jsonl").read_text().splitlines()[-1])
    assert rec["decision"]["action"] == "stop"
    assert result.answer == "5" and rt.tracker.spent.model_calls == 1


# ---- failed when no model call succeeded --------------------------------------------------------------
def _numbers() -> ModelStage:
    return ModelStage("n", ask("go"), k=1, verifier=ScoreByNumber(),
                      controller=RuleController(promising=0.0, max_pivots=2, max_steps=3))


async def test_status_failed_when_every_model_call_fails(tmp_path):
    rt = Runtime(model=ScriptedModel(default=ModelError("provider down")))
    result = await run(Pipeline([_numbers()]), Task(id="t"), rt, run_dir=tmp_path / "r")
    assert result.status == "failed" and result.answer is None
    assert result.meta["errors"] and all("provider down" in e for e in result.meta["errors"])
    assert json.loads((tmp_path / "r" / "result.json").read_text())["status"] == "failed"
    again = await run(Pipeline([_numbers()]), Task(id="t"), Runtime(model=ScriptedModel(default="10")),
                      run_dir=tmp_path / "r", resume=True)
    assert again.status == "failed"  # the count of calls lives in the checkpoint


async def test_status_completed_when_one_model_call_succeeded():
    rt = Runtime(model=ScriptedModel([ModelError("blip"), "10"]))
    result = await run(Pipeline([_numbers()]), Task(id="t"), rt)
    assert result.status == "completed" and result.answer == "10"
    assert any("blip" in e for e in result.meta["errors"])


async def test_budget_exceeded_is_not_a_model_failure():
    rt = Runtime(model=ScriptedModel(default="5"), budget=Budget(model_calls=0))
    result = await run(Pipeline([_numbers()]), Task(id="t"), rt)
    # the refusal is a budget stop, reported as such, not a failed model call
    assert result.status != "failed" and not result.meta.get("errors")
    assert "budget exhausted" in result.stages["n"].reason
