"""`scaleagent ask` on the local model stops on Ctrl-C (SIGINT) and SIGTERM in the middle of a model
call: the llama.cpp call in its worker thread stops at its next decoded token (before, asyncio.run
waited at shutdown for the whole generation), the command exits 130 with its one-line hint, no
traceback, and its search server is gone. The subprocess timeout is the only time bound."""
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from ask_proc import server_port

ROOT = Path(__file__).resolve().parents[2]


def refused(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) != 0


def model_call_open(journal: Path) -> bool:
    """A model call is in progress: its reservation is in the spend journal (written before the call
    goes out), its settlement not yet."""
    try:
        entries = [json.loads(ln) for ln in journal.read_text().splitlines() if ln.endswith("}")]
    except (OSError, ValueError):
        return False
    reserved = {e["id"] for e in entries if e.get("op") == "reserve" and (e.get("amount") or {}).get("model_calls")}
    return bool(reserved - {e.get("id") for e in entries if e.get("op") == "settle"})


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_ask_on_the_local_model_stops_mid_call_on_a_signal(web_index, tmp_path, sig):
    from agents.cli_support import INTERRUPTED

    env = dict(os.environ, PYTHONPATH=str(ROOT), SCALEAGENT_LLAMA_THREADS="1", SCALEAGENT_CACHE=str(tmp_path))
    run = tmp_path / "run"
    proc = subprocess.Popen([sys.executable, "-m", "agents.cli", "ask", "In which version was zoneinfo added?",
                             "--index", str(web_index), "--model", "local/smollm2-135m", "--k", "4", "--budget",
                             "search=5,open=5,find=5,tokens=200k", "--run-dir", str(run)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path)
    try:
        port = server_port(proc)
        while not model_call_open(run / "spend.jsonl") and proc.poll() is None:
            time.sleep(0.01)
        assert proc.poll() is None, "the run ended before a model call was seen in progress"
        proc.send_signal(sig)  # the worker thread is evaluating the prompt or generating
        _, rest = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    lines = [ln for ln in rest.splitlines() if ln.strip()]
    assert proc.returncode == 130, rest
    assert "Traceback" not in rest and lines[-1] == f"scaleagent: error: {INTERRUPTED}", rest
    assert refused(port)
