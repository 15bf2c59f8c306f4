"""A stage marked `optional` with `share` 0 is skipped: no step, no model call, no spend; the run goes
on to the next stage, and the budget that stage would have had stays with the later ones."""
from agents import ModelStage, Pipeline, Runtime, Task, run
from agents.controllers import AcceptController
from agents.models.scripted import ScriptedModel
from budgets import Budget


def _stages(share: float | None):
    first = ModelStage("scout", lambda ctx: [{"role": "user", "content": "scout"}], k=1,
                       controller=AcceptController(), share=share)
    first.optional = True
    second = ModelStage("answer", lambda ctx: [{"role": "user", "content": "answer"}], k=1,
                        controller=AcceptController())
    return Pipeline([first, second], name="skip-test")


async def test_an_optional_stage_with_share_zero_is_skipped(tmp_path):
    model = ScriptedModel(default="42", name="m")
    res = await run(_stages(0.0), Task(id="t", kind="x", input={}), Runtime(model=model, budget=Budget(tokens=4000)),
                    run_dir=tmp_path / "run")
    assert res.status == "completed" and res.answer == "42"
    assert res.stages["scout"].status == "skipped" and res.stages["scout"].steps == 0
    assert [c["messages"][-1]["content"] for c in model.calls] == ["answer"]     # the scout stage asked nothing
    steps = (tmp_path / "run" / "trajectory.jsonl").read_text().splitlines()
    assert len(steps) == 1 and '"stage":"answer"' in steps[0].replace(" ", "")


async def test_share_none_or_positive_runs_it():
    for share in (None, 0.3):
        model = ScriptedModel(default="42", name="m")
        res = await run(_stages(share), Task(id="t", kind="x", input={}), Runtime(model=model, budget=Budget(tokens=4000)))
        assert res.stages["scout"].status == "accepted" and len(model.calls) == 2
