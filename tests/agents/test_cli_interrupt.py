"""Ctrl-C during a run: exit code 130 and one line that says how to go on (typer used to turn the
interrupt into a silent exit 130, so the hint never printed)."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.fakes.openai_server import FakeOpenAIServer
from tests.fakes.signals import default_sigint

ROOT = Path(__file__).resolve().parents[2]



def test_ctrl_c_mid_run_says_how_to_resume(tmp_path):
    server = FakeOpenAIServer(fault_rate=1.0, faults=("timeout",), hang_seconds=120).start()
    env = dict(os.environ, PYTHONPATH=str(ROOT), OPENAI_API_KEY="sk-test", SCALEAGENT_CACHE=str(tmp_path))
    proc = subprocess.Popen([sys.executable, "-m", "agents.cli", "run", "humaneval", "--problem", "0", "--k", "1",
                             "--model", "openai/fake-model", "--api-base", server.url,
                             "--budget", "tokens=4k,seconds=300", "--run-dir", str(tmp_path / "run")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path,
                            preexec_fn=default_sigint)
    try:
        deadline = time.monotonic() + 240
        while not server.requests:  # the run is inside its first model call
            assert proc.poll() is None, proc.stderr.read()
            assert time.monotonic() < deadline, "the run never called the model"
            time.sleep(0.1)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
        server.stop()
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    last = err.strip().splitlines()[-1]
    assert last.startswith("scaleagent: error: interrupted") and "scaleagent resume RUN_DIR" in last, err
