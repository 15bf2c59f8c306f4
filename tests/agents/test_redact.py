"""Credentials never reach a file or a terminal: a server that echoes the API key and the
Authorization header in its error body, through the real CLI; and each writer on its own."""
import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from agents.redact import MASK, add_secret, redact, redact_obj

ROOT = Path(__file__).resolve().parents[2]
KEY = "sk-test-EchoedBack-0123456789abcdef"


class EchoKeyServer:
    """Loopback server answering every chat completion with `status` and a body that repeats the
    request's Authorization header (as some proxies and misconfigured servers do)."""

    def __init__(self, status: int = 400):
        status_code = status

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                auth = self.headers.get("Authorization", "")
                body = json.dumps({"error": {"message": f"invalid key {auth.split()[-1] if auth else ''}; "
                                                        f"headers were Authorization: {auth}",
                                             "type": "invalid_request_error"}}).encode()
                self.send_response(status_code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def echo_server():
    server = EchoKeyServer(400)
    yield server
    server.stop()


def test_redact_masks_env_keys_headers_and_bearer_tokens(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("HF_TOKEN", "hf_abcdefgh12345678")
    monkeypatch.setenv("SHORT_TOKEN", "1")  # too short to be a key: never masked
    text = (f"bad key {KEY}; Authorization: Basic dXNlcjpwYXNz; got 'Bearer zzzzzzzzzz' and hf_abcdefgh12345678; "
            "1 + 1")
    out = redact(text)
    assert KEY not in out and "hf_abcdefgh12345678" not in out and "dXNlcjpwYXNz" not in out and "zzzzzzzzzz" not in out
    assert out.count(MASK) == 4 and out.endswith("1 + 1")
    assert redact("api_base http://bob:hunter22@127.0.0.1:8000/v1") == f"api_base http://{MASK}@127.0.0.1:8000/v1"
    add_secret("given-on-the-command-line-123")
    assert redact_obj({"k": ["x given-on-the-command-line-123"]}) == {"k": [f"x {MASK}"]}


def test_every_writer_redacts(tmp_path, monkeypatch):
    from agents.state import StepRecord
    from agents.trajectory import StepLog, RunFiles, write_atomic

    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    write_atomic(tmp_path / "a.json", json.dumps({"error": f"echo {KEY}"}))
    assert KEY not in (tmp_path / "a.json").read_text() and MASK in (tmp_path / "a.json").read_text()
    files = RunFiles(tmp_path / "run")
    files.dir.mkdir()
    rec = StepRecord.model_validate({"stage": "s", "step": 0, "mode": "sample", "errors": [f"model x: {KEY}"]})
    StepLog(files).append(rec)
    assert KEY not in files.trajectory.read_text() and MASK in files.trajectory.read_text()


def _cli(args, cwd, env):
    return subprocess.run([sys.executable, "-m", "agents.cli", *args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=300)


def test_an_echoed_key_is_nowhere_in_the_output_or_the_run_directory(tmp_path, echo_server):
    env = dict(os.environ, PYTHONPATH=str(ROOT), OPENAI_API_KEY=KEY)
    r = _cli(["run", "humaneval", "-p", "0", "--model", "openai/fake-model", "--api-base", echo_server.url,
              "--budget", "calls=6", "--k", "2", "--sandbox", "local", "--run-dir", "run"], tmp_path, env)
    assert "Traceback" not in r.stderr + r.stdout
    assert "model error" in r.stdout + r.stderr  # the server's error was shown (redacted)
    assert KEY not in r.stdout and KEY not in r.stderr
    written = {p.name: p.read_bytes() for p in (tmp_path / "run").rglob("*") if p.is_file()}
    assert {"run.json", "trajectory.jsonl", "result.json", "checkpoints.sqlite"} <= set(written)
    for name, data in written.items():
        assert KEY.encode() not in data, name
    traj = (tmp_path / "run" / "trajectory.jsonl").read_text()
    assert MASK in traj  # the echoed key was there, masked
    rep = _cli(["report", "run", "--json"], tmp_path, env)
    assert rep.returncode == 0 and KEY not in rep.stdout
