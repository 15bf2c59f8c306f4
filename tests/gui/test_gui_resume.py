"""A GUI run killed mid-episode and resumed in a fresh process: the browser cannot be checkpointed, so
the stage restarts it and replays the episode's actions (same task, same seed) before going on."""
from __future__ import annotations

import asyncio
import json

import pytest
from gui_helpers import actions, base_cfg, browser_leftovers

from agents import pipelines
from agents.config import build_runtime
from agents.gui import envs
from agents.gui.register import bench_tasks


class Killed(BaseException):
    """Stands for the process being killed (not an error any stage catches)."""


def test_resume_replays_the_episode_then_finishes_it(tmp_path):
    def kill(messages, params):
        raise Killed()

    cfg = base_cfg() | bench_tasks({"tasks": ["enter-text"], "seeds": [2]})[0]
    run_dir = tmp_path / "run"
    def type_the_word(messages, params):
        word = messages[-1]["content"].split('Enter "')[1].split('"')[0]
        return json.dumps({"action": "type", "id": 1, "text": word})

    first = actions()
    first._responses += [type_the_word, kill]
    with pytest.raises(Killed):
        asyncio.run(pipelines.execute(cfg, run_dir, build_runtime(cfg, models={"scripted": first})))
    envs.close_all()  # a fresh process has no browser
    assert browser_leftovers() == []
    second = actions({"action": "click", "id": 2})
    result, extra = asyncio.run(pipelines.execute(cfg, run_dir, build_runtime(cfg, models={"scripted": second}),
                                                  resume=True))
    assert "type(1, " in second.calls[0]["messages"][-1]["content"]
    # the word typed before the kill is in the field again (replayed), so submitting succeeds
    assert extra["success"] is True and extra["actions"] == 2
    assert browser_leftovers() == []
