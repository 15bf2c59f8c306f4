"""`run.json` holds the pipeline's settings (`config.pipeline_config`): every stage's settings and
components; resuming with a pipeline whose settings differ is a ConfigError (the run would not be
the one that was started)."""
from __future__ import annotations

import json

import pytest

from agents import ModelStage, Pipeline, RuleController, Runtime, Stage, Task, run
from agents.controllers import AcceptController
from agents.errors import ConfigError
from agents.models.scripted import ScriptedModel
from agents.stage import SETTINGS
from agents.strategies import BordaMerge, LLMJudge, MajorityVote, TestVote, TieBreak
from agents.verifiers import JudgeVerifier
from budgets import Budget


class Ranked(Stage):
    """A stage with a setting of its own and an aggregator."""

    name = "rank"
    k = 3
    shortlist = 7
    settings = ("shortlist",)

    def prompt(self, ctx):
        return [{"role": "user", "content": "rank"}]

    def parse(self, ctx, request, text):
        return text.split()


def pipeline(*, k: int = 2, max_steps: int = 3, shortlist: int = 7, strategy=None, judge_rubric: str = "ok?"):
    first = Ranked(aggregator=BordaMerge(keep=3), shortlist=shortlist, share=0.3, controller=AcceptController())
    second = ModelStage("answer", lambda ctx: [{"role": "user", "content": "go"}], k=k, temperature=0.4,
                        step_budget=Budget(model_calls=4), budget=Budget(tokens=5000), pivot_to="rank",
                        verifier=JudgeVerifier(rubric=judge_rubric),
                        strategy=strategy or TieBreak(primary=TestVote(), judge=LLMJudge()),
                        controller=RuleController(max_steps=max_steps, accept_score=0.5))
    return Pipeline([first, second], name="two", max_steps=20)


def model():
    return ScriptedModel(default='{"score": 9, "best": 0} a b c')


async def _start(tmp_path, pipe=None):
    run_dir = tmp_path / "r"
    await run(pipe or pipeline(), Task(id="t"), Runtime(model=model()), run_dir=run_dir, config={"pipeline": "two"})
    return run_dir


async def test_run_json_holds_every_stage_setting_and_component(tmp_path):
    run_dir = await _start(tmp_path)
    meta = json.loads((run_dir / "run.json").read_text())
    assert meta["config"]["pipeline"] == "two"  # the caller's config is kept beside it
    cfg = meta["config"]["pipeline_config"]
    assert cfg == json.loads(json.dumps(pipeline().config()))
    assert cfg["name"] == "two" and cfg["max_steps"] == 20
    rank, answer = cfg["stages"]
    for stage in (rank, answer):
        assert set(SETTINGS) <= set(stage)
        assert {"verifier", "strategy", "controller", "aggregator", "type", "name"} <= set(stage)
    assert rank["type"] == "Ranked" and rank["shortlist"] == 7 and rank["k"] == 3 and rank["share"] == 0.3
    assert rank["aggregator"] == {"type": "BordaMerge", "weighting": "borda", "depth": 5, "keep": 3}
    assert rank["controller"] == {"type": "AcceptController"}
    assert answer["k"] == 2 and answer["temperature"] == 0.4 and answer["pivot_to"] == "rank"
    assert answer["budget"]["tokens"] == 5000 and answer["step_budget"]["model_calls"] == 4
    assert answer["verifier"]["type"] == "JudgeVerifier" and answer["verifier"]["rubric"] == "ok?"
    assert answer["strategy"]["type"] == "TieBreak" and answer["strategy"]["primary"]["type"] == "TestVote"
    assert answer["strategy"]["judge"]["type"] == "LLMJudge"
    assert answer["controller"]["type"] == "RuleController" and answer["controller"]["max_steps"] == 3
    assert answer["aggregator"] is None


async def test_resume_with_the_same_settings_works(tmp_path):
    run_dir = await _start(tmp_path)
    first = json.loads((run_dir / "result.json").read_text())
    again = await run(pipeline(), Task(id="t"), Runtime(model=model()), run_dir=run_dir, resume=True)
    assert again.answer == first["answer"]


@pytest.mark.parametrize("changed", [
    {"k": 3},                          # a stage setting
    {"shortlist": 8},                  # a subclass's own setting
    {"max_steps": 4},                  # a controller setting
    {"strategy": MajorityVote()},      # another strategy
    {"judge_rubric": "correct?"},      # a verifier setting
], ids=lambda d: next(iter(d)))
async def test_resume_with_other_settings_is_a_config_error(tmp_path, changed):
    run_dir = await _start(tmp_path)
    before = (run_dir / "trajectory.jsonl").read_text()
    with pytest.raises(ConfigError, match="other stage settings"):
        await run(pipeline(**changed), Task(id="t"), Runtime(model=model()), run_dir=run_dir, resume=True)
    assert (run_dir / "trajectory.jsonl").read_text() == before  # nothing ran


async def test_resume_of_an_interrupted_run_with_other_settings_is_refused_before_any_step(tmp_path):
    # the run did not finish: a resume that went ahead would run the rest with other settings
    class Boom(Exception):
        pass

    class Dies(RuleController):
        async def decide(self, ctx, selection, best):
            raise Boom()

    pipe = pipeline()
    pipe.stages[1].controller = Dies(max_steps=3, accept_score=0.5)
    with pytest.raises(Boom):
        await _start(tmp_path, pipe)
    run_dir = tmp_path / "r"
    other = pipeline(k=5)  # the same dying controller, another k
    other.stages[1].controller = Dies(max_steps=3, accept_score=0.5)
    with pytest.raises(ConfigError):
        await run(other, Task(id="t"), Runtime(model=model()), run_dir=run_dir, resume=True)
    assert not (run_dir / "result.json").exists()
