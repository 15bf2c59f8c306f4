"""A watchdog per browser, so a SIGKILLed owner (no atexit, no signal handler) leaves nothing behind.

The driver is started in a session of its own (`start_new_session`), so it and every Chromium process
it starts share one session id: the driver's pid. `watch(sid)` starts a small process, in a session
of its own too (a Ctrl-C to the terminal does not reach it), that blocks reading a pipe from its
owner. The pipe reaches end of file when the owner closes it (`Watch.stop`, after a normal close) or
when the owner dies in any way; the watchdog then kills every process of that session and exits."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = r"""
import os, signal, sys, time
sid = int(sys.argv[1])
def members():
    out = []
    for d in os.listdir('/proc'):
        if d.isdigit():
            try:
                with open(f'/proc/{d}/stat') as f:
                    fields = f.read().rsplit(')', 1)[1].split()
            except (OSError, IndexError):
                continue
            if fields[0] != 'Z' and int(fields[3]) == sid:
                out.append(int(d))
    return out
sys.stdin.buffer.read()
deadline = time.time() + 10
while time.time() < deadline:
    left = members()
    if not left:
        break
    for p in left:
        try:
            os.kill(p, signal.SIGKILL)
        except OSError:
            pass
    time.sleep(0.05)
"""


def session(pid: int) -> int | None:
    """The session id of a live process (None if it is gone)."""
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[3])
    except (OSError, IndexError, ValueError):
        return None


class Watch:
    """The watchdog of one browser session."""

    def __init__(self, sid: int):
        self.sid = sid
        self.proc = subprocess.Popen([sys.executable, "-S", "-c", SCRIPT, str(sid)], stdin=subprocess.PIPE,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     start_new_session=True, close_fds=True)

    def stop(self, timeout: float = 15.0) -> None:
        """Close the pipe: the watchdog kills what is left of the session, then exits."""
        try:
            if self.proc.stdin is not None:
                self.proc.stdin.close()
            self.proc.wait(timeout=timeout)
        except Exception:  # noqa: BLE001 - a watchdog that does not exit in time is killed
            self.proc.kill()
