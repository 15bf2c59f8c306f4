"""`scaleagent bench gui`: its inputs (tasks, seeds), one-line errors, and one real episode on the
embedded local model (smollm2: completion and files are asserted, not success)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from agents.cli_gui import parse_seeds, read_tasks
from agents.errors import ConfigError
from agents.gui.register import bench_tasks, score

ROOT = Path(__file__).resolve().parents[2]


def _cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    env = os.environ | {"SCALEAGENT_LLAMA_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", "agents.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, env=env)


def test_seeds_and_tasks_parse(tmp_path):
    assert parse_seeds("0-4") == [0, 1, 2, 3, 4] and parse_seeds("2,7") == [2, 7] and parse_seeds("3") == [3]
    for bad in ("x", "1-a", ""):
        with pytest.raises(ConfigError):
            parse_seeds(bad)
    f = tmp_path / "tasks.txt"
    f.write_text("# a comment\nclick-test\n\nenter-text  # typing\n")
    assert read_tasks("click-button", f) == ["click-button", "click-test", "enter-text"]


def test_bench_tasks_is_one_config_per_task_and_seed_and_score_reads_the_reward():
    cfgs = bench_tasks({"tasks": ["click-test", "miniwob/enter-text-v1"], "seeds": [0, 1, 2]})
    assert [(c["gui_task"], c["seed"]) for c in cfgs] == [(t, s) for t in ("click-test", "enter-text") for s in (0, 1, 2)]
    assert len({c["task_id"] for c in cfgs}) == 6
    with pytest.raises(ConfigError, match="unknown MiniWoB"):
        bench_tasks({"tasks": ["click-test", "no-such-task"], "seeds": [0]})
    assert score(None, {"success": True, "reward": 0.8, "actions": 3}) == {"success": True, "reward": 0.8, "steps": 3}
    assert score(None, {})["success"] is False


@pytest.mark.parametrize("args, message", [
    (["--tasks", "click-tset"], "unknown MiniWoB++ task 'click-tset'"),
    (["--tasks", "click-test", "--seeds", "zero"], "bad --seeds"),
    (["--tasks", "click-test", "--select", "best"], "bad --select"),
    (["--tasks", "click-test", "--budget", "run_tests=3"], "run_tests"),
])
def test_bad_input_is_one_line_on_stderr(args, message, tmp_path):
    p = _cli("bench", "gui", *args, "--out", str(tmp_path / "o"), "--json")
    assert p.returncode == 2 and p.stdout == ""
    assert len(p.stderr.strip().splitlines()) == 1 and message in p.stderr and "Traceback" not in p.stderr
    assert not (tmp_path / "o").exists()


@pytest.mark.slow
def test_one_episode_end_to_end_on_the_local_model(tmp_path):
    out = tmp_path / "bench"
    p = _cli("bench", "gui", "--tasks", "click-test", "--seeds", "0", "--k", "2", "--max-actions", "2",
             "--model", "local/smollm2-135m", "--budget", "tokens=6k", "--out", str(out), "--json", timeout=300)
    assert p.returncode == 0, p.stderr[-2000:]
    summary = json.loads(p.stdout)
    assert set(summary) == {"total", "successes", "success_rate", "spend", "per_episode"}
    assert summary["total"] == 1 and summary["spend"]["model_calls"] >= 1
    assert set(summary["per_episode"][0]) == {"task", "seed", "success", "reward", "steps"}
    run = out / "click-test-s0"
    assert list((run / "screens").glob("*.png")) and (run / "viewer.html").is_file()
    assert (run / "trajectory.jsonl").read_text().strip() and json.loads((out / "summary.json").read_text()) == summary


def test_options_reach_the_stage():
    from agents import pipelines

    pipe = pipelines.build("gui", {"k": 1, "step_budget": "tokens=2k", "max_actions": 4, "max_pivots": 2,
                                   "select": "judge"})
    stage = pipe.stages[0]
    assert stage.k == 1 and stage.temperature == 0.0 and stage.step_budget.tokens == 2000
    assert stage.controller.max_steps == 4 and stage.controller.max_pivots == 2
    assert type(stage.strategy).__name__ == "GuiVote" and stage.strategy.judge_always is True
