"""A run killed with SIGKILL mid-stage resumes to the same final result: completed steps are neither
re-run nor charged twice, and what the killed step spent is recorded (the spend journal)."""
import json
from pathlib import Path

import script_runs
from script_runs import finish

SCRIPT = Path(__file__).with_name("crash_pipeline.py")


def launch(run_dir, *extra):
    return script_runs.launch(SCRIPT, run_dir, *extra)


def test_sigkill_mid_stage_then_resume(tmp_path):
    reference = finish(launch(tmp_path / "ref"))
    assert reference["steps"] > 5

    victim = launch(tmp_path / "run")
    traj = tmp_path / "run" / "trajectory.jsonl"
    script_runs.kill_after(victim, traj, 3)
    done_before = len(traj.read_text().splitlines())
    assert 3 <= done_before < reference["steps"], "the kill must land mid-run"
    assert not (tmp_path / "run" / "result.json").exists()

    victim_requests = len((tmp_path / "run.requests.log").read_text().splitlines())
    resumed = finish(launch(tmp_path / "run", "--resume"))
    assert resumed["answer"] == reference["answer"]
    assert resumed["steps"] == reference["steps"]
    assert resumed["calls"] < reference["calls"]            # completed steps were not re-run
    # every request either process started is charged, the killed step's too; the one the kill cut
    # short is charged its worst case (n=2 on a backend that may fan out: 2 requests), never less
    started = victim_requests + resumed["calls"]
    assert started <= resumed["spend"]["model_calls"] <= started + 1
    assert resumed["spend"]["model_calls"] > reference["spend"]["model_calls"]
    for dim in ("input_tokens", "output_tokens"):           # a call the kill cut short: its worst case
        assert resumed["spend"][dim] >= reference["spend"][dim]
    lines = [json.loads(x) for x in traj.read_text().splitlines()]
    assert len(lines) == reference["steps"]
    assert [(r["stage"], r["step"]) for r in lines] == sorted({(r["stage"], r["step"]) for r in lines},
                                                              key=lambda k: ([r["stage"] for r in lines].index(k[0]), k[1]))
    assert json.loads((tmp_path / "run" / "result.json").read_text())["answer"] == reference["answer"]
