"""A model call that raises something other than ModelError (a plugin model's or a backend's bug) is a
failed model call with its type and message, counted like a ModelError: a run where every call raised
is "failed" with that reason, never a quietly empty "completed" run."""
from __future__ import annotations

import json

from agents import ModelStage, Pipeline, RuleController, Runtime, Task, Verdict, run
from agents.models.scripted import ScriptedModel


class ScoreByNumber:
    async def verify(self, ctx, candidates):
        return [Verdict(candidate_id=c.id, score=min(1.0, int(c.content) / 10), passed=int(c.content) >= 10)
                for c in candidates if c.valid]


def _numbers() -> ModelStage:
    return ModelStage("n", lambda ctx: [{"role": "user", "content": "go"}], k=1, verifier=ScoreByNumber(),
                      controller=RuleController(promising=0.0, max_pivots=2, max_steps=3))


async def test_a_model_raising_runtime_error_fails_the_run_with_its_type_and_message(tmp_path):
    events = []
    rt = Runtime(model=ScriptedModel(default=RuntimeError("backend bug: boom")), on_event=events.append)
    result = await run(Pipeline([_numbers()]), Task(id="t"), rt, run_dir=tmp_path / "r")
    assert result.status == "failed" and result.answer is None
    errors = result.meta["errors"]
    assert errors and all("RuntimeError" in e and "backend bug: boom" in e for e in errors)
    assert json.loads((tmp_path / "r" / "result.json").read_text())["status"] == "failed"
    assert any(e["event"] == "model_error" and "boom" in e["error"] for e in events)
    steps = [json.loads(line) for line in (tmp_path / "r" / "trajectory.jsonl").read_text().splitlines()]
    assert "RuntimeError: backend bug: boom" in steps[0]["errors"][0]


async def test_one_unexpected_error_then_an_answer_completes_with_the_error_kept():
    rt = Runtime(model=ScriptedModel([KeyError("choices"), "10"]))
    result = await run(Pipeline([_numbers()]), Task(id="t"), rt)
    assert result.status == "completed" and result.answer == "10"
    assert any("KeyError" in e and "choices" in e for e in result.meta["errors"])
