"""The live browser environments of this process, one per run directory.

A browser cannot be checkpointed, so the stage keeps it here, not in its memo: the stage starts it
(or, after a resume, restarts it and replays the episode's actions), closes it when the episode
ends, and `close_all` (also at exit) makes sure no browser or driver process outlives the process.
"""
from __future__ import annotations

import atexit
import os
import signal
import threading
from pathlib import Path
from typing import Any

from tools.browser import MiniWoBEnv

_LIVE: dict[str, MiniWoBEnv] = {}
_LOCK = threading.Lock()


def get(key: str, task: str, *, out_dir: Path, **options: Any) -> MiniWoBEnv:
    _close_on_sigterm()
    with _LOCK:
        env = _LIVE.get(key)
        if env is None:
            env = _LIVE[key] = MiniWoBEnv(task, out_dir=out_dir, **options)
        return env


def peek(key: str) -> MiniWoBEnv | None:
    return _LIVE.get(key)


def close(key: str) -> None:
    with _LOCK:
        env = _LIVE.pop(key, None)
    if env is not None:
        env.close()


def close_all() -> None:
    for key in list(_LIVE):
        close(key)


def _on_sigterm(signum: int, frame: Any) -> None:
    close_all()
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


def _close_on_sigterm() -> None:
    """A SIGTERM (which skips atexit) closes the browsers first; only where nobody else handles it."""
    if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _on_sigterm)


atexit.register(close_all)
