"""SIGKILL the runner (`scaleagent bench …` in a subprocess) while tasks are finished, half done and not
started, then rerun the same command: no task lost or counted twice, a half-done task continues its
own run from its checkpoint, and the spend totals are the sum of the tasks'."""
import json
import signal
import subprocess
import time

from tests.bench.helpers import ROOT, cli_args, env, rows, run_cli, summary_of

N = 6
EXTRA = ("--workers", "2", "-o", "steps=3", "-o", "delay=0.4")


def _half_done(out):
    """Run directories with a step on disk but no finished row: {run_dir: (run_id, steps)}."""
    found = {}
    for d in (out / "arms").glob("*/*"):
        traj = d / "trajectory.jsonl"
        if (d / "run.json").is_file() and traj.is_file() and traj.read_text().strip() and not (d / "bench_row.json").exists():
            found[d] = (json.loads((d / "run.json").read_text())["run_id"], len(traj.read_text().splitlines()))
    return found


def test_sigkill_then_rerun_loses_and_doubles_nothing(tmp_path):
    out = tmp_path / "out"
    proc = subprocess.Popen(cli_args(out, N, *EXTRA), stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env(),
                            cwd=ROOT)
    half: dict = {}
    deadline = time.time() + 240
    while time.time() < deadline:
        if (out / "results.sqlite").exists() and len(rows(out)) >= 2:
            half = _half_done(out)
            if half:
                break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    assert half, "no task was half done when the runner was killed"
    done_before = {(r["arm_id"], r["task_id"]) for r in rows(out)}
    assert 2 <= len(done_before) < N
    time.sleep(1)  # the workers die with the runner (PR_SET_PDEATHSIG)

    r = run_cli(out, N, *EXTRA)
    assert r.returncode == 0, r.stderr
    s = summary_of(r.stdout)
    final = rows(out)
    keys = [(x["arm_id"], x["task_id"]) for x in final]
    assert len(keys) == len(set(keys)) == N and done_before <= set(keys)   # none lost, none twice
    for field in ("model_calls", "input_tokens", "output_tokens"):
        assert s["totals"][field] == sum(x[field] for x in final)
    assert abs(s["totals"]["cost_usd"] - sum(x["cost_usd"] for x in final)) < 1e-9
    assert all(x["status"] == "success" and x["steps"] == 3 for x in final)
    for d, (run_id, _) in half.items():  # resumed from its checkpoint: the same run, its steps once each
        assert json.loads((d / "run.json").read_text())["run_id"] == run_id
        steps = [json.loads(line) for line in (d / "trajectory.jsonl").read_text().splitlines()]
        assert [(x["stage"], x["step"]) for x in steps] == [("answer", 0), ("answer", 1), ("answer", 2)]
    # a finished task never ran again: its row file and its run are those of the first process
    assert len(list((out / "arms").glob("*/*/bench_row.json"))) == N
