"""A web run killed mid-research resumes from its checkpoint: steps already taken are not redone or
charged again, the evidence (the stage's memo) survives, and the verifier reads the cited page again
(its text is not in the checkpoint)."""
import asyncio

import pytest

from agents.graph import run
from agents.models.scripted import ScriptedModel
from agents.runtime import Runtime
from agents.state import Task
from agents.web.env import close_all
from agents.web.pipeline import build
from budgets import Budget

Q = "In which Python version was the zoneinfo module added?"


class Killed(BaseException):
    pass


def test_a_killed_web_run_resumes_without_redoing_tools(web_index, tmp_path):
    opts = {"k": 1, "index": str(web_index)}
    task = Task(id="q", kind="web", input={"question": Q})
    first = ScriptedModel(['{"queries": ["IANA time zone"]}',
                           '{"tool": "open", "input": "1"}', Killed()])
    with pytest.raises(Killed):
        asyncio.run(run(build(opts), task, Runtime(model=first, budget=Budget.parse("search=2,open=2,find=2")),
                        run_dir=tmp_path / "r", config={"options": opts}))
    close_all()  # the killed process's server is gone
    second = ScriptedModel(['{"tool": "answer", "input": "3.9"}',
                            '{"answer": "3.9", "source": 1, "quote": "New in version 3.9. The zoneinfo module"}'])
    try:
        result = asyncio.run(run(build(opts), task, Runtime(model=second, budget=Budget.parse("search=2,open=2,find=2")),
                                 run_dir=tmp_path / "r", config={"options": opts}, resume=True))
    finally:
        close_all()
    assert result.answer["answer"] == "3.9" and result.answer["verified"] is True
    assert result.spend["tool_calls"] == {"search": 1, "open": 1}
    assert len(second.calls) == 2  # act, answer (a whole quote is not judged): the plan, the planned search and open were not redone
