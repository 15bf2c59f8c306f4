"""The search server a command starts is gone when the command ends: normally, on an exception,
on Ctrl-C (SIGINT) and on SIGTERM, with the run in the middle of a model call."""
import asyncio
import gc
import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from agents.cli_web import serving
from tools.web.server import THREAD_NAME
from ask_proc import server_port

ROOT = Path(__file__).resolve().parents[2]


def refused(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) != 0


def server_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == THREAD_NAME and t.is_alive()]


def test_serving_stops_the_server_when_the_block_is_interrupted(web_index):
    with pytest.raises(KeyboardInterrupt):
        with serving({"index": str(web_index)}, quiet=True) as env:
            port = int(env.url.rsplit(":", 1)[1])
            assert not refused(port) and server_threads()
            raise KeyboardInterrupt
    assert refused(port) and not server_threads()
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL or callable(signal.getsignal(signal.SIGTERM))


class Silent:
    """A TCP server on loopback that accepts connections and never answers (a model that hangs)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.accepted = threading.Event()
        self.conns = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(conn)
            self.accepted.set()

    def close(self):
        self.sock.close()
        for c in self.conns:
            c.close()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_the_command_leaves_no_server_after_a_signal(web_index, tmp_path, sig):
    model = Silent()
    env = dict(os.environ, PYTHONPATH=str(ROOT), OPENAI_API_KEY="sk-test", SCALEAGENT_CACHE=str(tmp_path))
    proc = subprocess.Popen([sys.executable, "-m", "agents.cli", "ask", "which version added zoneinfo?",
                             "--index", str(web_index), "--model", "openai/fake-model", "--api-base",
                             f"http://127.0.0.1:{model.port}/v1", "--budget", "search=2,open=2,find=2,seconds=300",
                             "--run-dir", str(tmp_path / "run")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path)
    try:
        port = server_port(proc)
        assert not refused(port)
        assert model.accepted.wait(120), "the run never called the model"
        proc.send_signal(sig)
        proc.wait(timeout=60)
        rest = proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
        model.close()
    assert proc.returncode == 130, rest
    assert "Traceback" not in rest  # typer turns the interrupt into exit code 130 (silently)
    assert refused(port)


def test_a_signal_inside_a_task_step_leaves_no_task_holding_the_interrupt(web_index, caplog):
    """The handler ran inside an HTTP client's writer task: the KeyboardInterrupt stayed on that task and
    was printed with a traceback ("Task exception was never retrieved") after `ask` exited (CI, SIGTERM)."""
    async def writer():
        signal.raise_signal(signal.SIGTERM)  # the handler runs now, inside this task's step
        await asyncio.sleep(30)

    async def main():
        task = asyncio.create_task(writer())
        await asyncio.sleep(30)
        return task

    with pytest.raises(KeyboardInterrupt):
        with serving({"index": str(web_index)}, quiet=True):
            asyncio.run(asyncio.wait_for(main(), 60))
    gc.collect()
    assert "never retrieved" not in caplog.text and "KeyboardInterrupt" not in caplog.text
