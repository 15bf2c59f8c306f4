"""Run a pipeline script (crash_pipeline.py, memo_pipeline.py) in a subprocess, to kill it and resume."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def launch(script: Path, run_dir, *extra) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, str(script), str(run_dir), *extra], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)


def kill_after(proc: subprocess.Popen, traj: Path, steps: int, timeout: float = 60) -> None:
    """SIGKILL `proc` once the file `traj` (its trajectory.jsonl, or a log it writes) holds `steps` lines."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if traj.exists() and len(traj.read_text().splitlines()) >= steps:
            break
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()


def finish(proc: subprocess.Popen) -> dict:
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    return json.loads(out.strip().splitlines()[-1])
