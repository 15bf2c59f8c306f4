"""The stage engine on the scripted model: stages, dig deeper, pivot, budget stops, errors."""
import json

import pytest

from agents import (AcceptController, ModelStage, Pipeline, RuleController, Runtime, Stage, Task,
                    Verdict, run)
from agents.errors import RateLimited
from agents.models.scripted import ScriptedModel
from agents.strategies import MajorityVote
from budgets import Budget


class ScoreByNumber:
    """Verifier: the candidate is a number; score = number / 10."""

    async def verify(self, ctx, candidates):
        return [Verdict(candidate_id=c.id, score=min(1.0, float(c.content) / 10),
                        passed=float(c.content) >= 10, feedback=f"{c.content} is below 10") for c in candidates if c.valid]


def number_stage(**kw):
    return ModelStage("improve", lambda ctx: [{"role": "user", "content": f"mode={ctx.mode} best="
                                               f"{ctx.best[0].content if ctx.best else None} {ctx.budget_text()}"}],
                      lambda ctx, t: int(t), verifier=ScoreByNumber(), **kw)


async def test_two_stage_pipeline_passes_outputs_and_votes(tmp_path):
    model = ScriptedModel(["4", "5", "4", "answer was 4"])
    first = ModelStage("answer", lambda ctx: [{"role": "user", "content": "2+2?"}], k=3,
                       strategy=MajorityVote(), controller=AcceptController())
    second = ModelStage("explain", lambda ctx: [{"role": "user", "content": f"explain {ctx.output('answer')}"}], k=1,
                        controller=AcceptController())
    result = await run(Pipeline([first, second]), Task(id="t"), Runtime(model=model), run_dir=tmp_path / "r")
    assert result.status == "completed"
    assert result.stages["answer"].best.content == "4"
    assert model.calls[1]["messages"][0]["content"] == "explain 4"
    assert result.answer == "answer was 4"
    lines = (tmp_path / "r" / "trajectory.jsonl").read_text().splitlines()
    assert [json.loads(line)["stage"] for line in lines] == ["answer", "explain"]
    assert json.loads((tmp_path / "r" / "result.json").read_text())["answer"] == "answer was 4"


async def test_dig_deeper_refines_the_best_then_accepts():
    model = ScriptedModel(["3", "6", "8", "10"])
    stage = number_stage(k=2, controller=RuleController(accept_score=1.0, promising=0.3, max_digs=2, max_steps=5))
    result = await run(Pipeline([stage]), Task(id="t"), Runtime(model=model))
    assert result.answer == 10
    assert result.stages["improve"].digs == 1 and result.steps == 2
    refine_prompt = model.calls[1]["messages"][0]["content"]
    assert "mode=refine best=6" in refine_prompt


async def test_pivot_when_nothing_is_promising_then_stop():
    model = ScriptedModel(["0", "1", "0", "1"])
    stage = number_stage(k=2, controller=RuleController(promising=0.5, max_pivots=1, max_steps=6))
    result = await run(Pipeline([stage]), Task(id="t"), Runtime(model=model))
    modes = [c["messages"][0]["content"].split()[0] for c in model.calls]
    assert modes == ["mode=sample", "mode=pivot"]
    assert result.stages["improve"].status == "stopped" and result.stages["improve"].pivots == 1
    assert result.answer == 1  # best so far is returned


async def test_pivot_to_an_earlier_stage():
    model = ScriptedModel(default="1")
    loc = ModelStage("localize", lambda ctx: [{"role": "user", "content": f"localize {ctx.mode}"}], k=1,
                     controller=AcceptController())
    fix = number_stage(k=1, pivot_to="localize", controller=RuleController(promising=0.5, max_pivots=1, max_steps=3))
    result = await run(Pipeline([loc, fix]), Task(id="t"), Runtime(model=model))
    prompts = [c["messages"][0]["content"].split()[0:2] for c in model.calls]
    assert prompts[:3] == [["localize", "sample"], ["mode=sample", "best=None"], ["localize", "pivot"]]
    assert result.stages["localize"].steps == 2


async def test_budget_stops_the_run_and_is_never_passed():
    model = ScriptedModel(default="1", input_tokens=50, output_tokens=20)
    stage = number_stage(k=4, max_tokens=20, controller=RuleController(promising=0.0, max_digs=99, max_steps=99))
    rt = Runtime(model=model, budget=Budget(tokens=600))
    result = await run(Pipeline([stage]), Task(id="t"), rt)
    assert result.status in ("budget_exhausted", "completed")
    assert result.stages["improve"].status == "stopped"
    assert rt.tracker.spent.tokens <= 600
    assert result.spend["input_tokens"] + result.spend["output_tokens"] == rt.tracker.spent.tokens
    assert result.answer == 1


async def test_budget_is_visible_to_the_agent():
    model = ScriptedModel(default="10")
    stage = number_stage(k=1)
    await run(Pipeline([stage]), Task(id="t"), Runtime(model=model, budget=Budget(tokens=1000, tools={"search": 3})))
    prompt = model.calls[0]["messages"][0]["content"]
    assert "search 3/3 left" in prompt and "100% of tokens left" in prompt


async def test_model_errors_are_recorded_and_the_run_goes_on(tmp_path):
    model = ScriptedModel([RateLimited("429 from provider"), "10"])
    stage = number_stage(k=1, controller=RuleController(promising=0.0, max_pivots=2, max_steps=4))
    result = await run(Pipeline([stage]), Task(id="t"), Runtime(model=model), run_dir=tmp_path / "r")
    assert result.answer == 10
    first = json.loads((tmp_path / "r" / "trajectory.jsonl").read_text().splitlines()[0])
    assert any("429" in e for e in first["errors"]) and first["decision"]["action"] == "pivot"


async def test_parse_failures_mark_candidates_invalid():
    model = ScriptedModel(["not a number", "7"], default="10")
    stage = number_stage(k=2, controller=AcceptController())
    result = await run(Pipeline([stage]), Task(id="t"), Runtime(model=model))
    assert result.answer == 7


async def test_interactive_stage_applies_the_winner_each_step():
    class Counter(Stage):
        name = "act"
        k = 3

        def __init__(self):
            super().__init__(controller=RuleController(accept_score=1.0, promising=0.0, max_digs=10, max_steps=10))
            self.env = []

        def prompt(self, ctx):
            return [{"role": "user", "content": f"state={self.env}"}]

        async def apply(self, ctx, winner):
            self.env.append(winner.content)
            return {"state": list(self.env)}

    class DoneWhenThree:
        def __init__(self, stage):
            self.stage = stage

        async def verify(self, ctx, cands):
            return [Verdict(candidate_id=c.id, score=1.0 if len(self.stage.env) >= 2 else 0.5) for c in cands]

    stage = Counter()
    stage.verifier = DoneWhenThree(stage)
    result = await run(Pipeline([stage]), Task(id="t"), Runtime(model=ScriptedModel(default="step")))
    assert stage.env == ["step", "step", "step"] and result.steps == 3


def test_pipeline_validation():
    with pytest.raises(ValueError, match="unique"):
        Pipeline([number_stage(), number_stage()])
    with pytest.raises(ValueError, match="unknown stage"):
        Pipeline([number_stage(pivot_to="nowhere")])
    with pytest.raises(TypeError, match="no setting"):
        number_stage(nonsense=1)
