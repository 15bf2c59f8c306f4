"""A bench process killed with SIGKILL (no atexit, no signal handler runs) leaves no chromium or
chromedriver behind: the browser's watchdog sees its owner's pipe close and kills the driver's session."""
from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from tools.browser.driver import alive, descendants, kill_all

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ("import time, sys; sys.path.insert(0, %r)\n"
          "from agents.gui import envs\n"
          "env = envs.get('k', 'click-test', out_dir=None); env.reset(0)\n"
          "print('ready', flush=True); time.sleep(120)\n") % str(ROOT)


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def test_a_sigkilled_bench_leaves_no_browser_or_driver():
    p = subprocess.Popen([sys.executable, "-c", SCRIPT], stdout=subprocess.PIPE, text=True)
    started: list[int] = []
    try:
        assert p.stdout.readline().strip() == "ready"
        started = [x for x in descendants(p.pid) if "chrom" in _comm(x)]
        assert any(_comm(x) == "chromedriver" for x in started) and len(started) > 1
        watchdogs = [x for x in descendants(p.pid) if b"sid = int" in _cmdline(x)]
        assert len(watchdogs) == 1
        p.send_signal(signal.SIGKILL)
        p.wait(timeout=30)
        deadline = time.time() + 15
        while time.time() < deadline and any(alive(x) for x in started):
            time.sleep(0.1)
        assert [f"{x}:{_comm(x)}" for x in started if alive(x)] == []
        while time.time() < deadline and alive(watchdogs[0]):
            time.sleep(0.1)
        assert not alive(watchdogs[0]), "the watchdog exits once it has swept"
    finally:
        p.kill()
        kill_all(started)  # what a failing run left (the processes this test started)
