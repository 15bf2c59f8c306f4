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

    # the victim's 4th request (step 4: one request per step) never returns; the kill lands once it is
    # logged, so exactly that request is in flight (killing on the trajectory's length instead raced
    # under load: the kill could land between two steps, or after a reservation before its request)
    victim = launch(tmp_path / "run", "--stall-from", "4")
    traj = tmp_path / "run" / "trajectory.jsonl"
    requests = tmp_path / "run.requests.log"
    script_runs.kill_after(victim, requests, 4)
    done_before = len(traj.read_text().splitlines())
    assert done_before == 3, "the kill must land in step 4"
    assert not (tmp_path / "run" / "result.json").exists()

    victim_requests = len(requests.read_text().splitlines())
    assert victim_requests == 4
    resumed = finish(launch(tmp_path / "run", "--resume"))
    assert resumed["answer"] == reference["answer"]
    assert resumed["steps"] == reference["steps"]
    assert resumed["calls"] < reference["calls"]            # completed steps were not re-run
    # every request either process started is charged, the killed step's too; the one the kill cut
    # short is charged its worst case (n=2 on a backend that may fan out: 2 requests), never less
    started = victim_requests + resumed["calls"]
    assert resumed["spend"]["model_calls"] == started + 1
    assert resumed["spend"]["model_calls"] > reference["spend"]["model_calls"]
    for dim in ("input_tokens", "output_tokens"):           # a call the kill cut short: its worst case
        assert resumed["spend"][dim] >= reference["spend"][dim]
    lines = [json.loads(x) for x in traj.read_text().splitlines()]
    assert len(lines) == reference["steps"]
    assert [(r["stage"], r["step"]) for r in lines] == sorted({(r["stage"], r["step"]) for r in lines},
                                                              key=lambda k: ([r["stage"] for r in lines].index(k[0]), k[1]))
    assert json.loads((tmp_path / "run" / "result.json").read_text())["answer"] == reference["answer"]
