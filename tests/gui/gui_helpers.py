"""Helpers for the GUI tests: which browser processes this test process has left, a scripted model
that acts (and can break the browser mid-episode), a loopback server whose page never loads."""
from __future__ import annotations

import json
import os
import socket
import threading
from pathlib import Path
from typing import Any, Callable

from agents.config import runtime_config
from agents.models.scripted import ScriptedModel
from budgets import Budget
from tools.browser.driver import alive, descendants


def browser_leftovers() -> list[str]:
    """Live chromium / chromedriver processes below this (test) process: the only ones it started."""
    out = []
    for pid in descendants(os.getpid()):
        try:
            comm = Path(f"/proc/{pid}/comm").read_text().strip()
        except OSError:
            continue
        if "chrom" in comm and alive(pid):
            out.append(f"{pid}:{comm}")
    return out


def actions(*steps: dict[str, Any] | Callable[[], dict[str, Any]]) -> ScriptedModel:
    """A model whose i-th answer is steps[i] (a callable is called first: it may break the browser)."""
    def answer(step):
        def reply(messages, params):
            data = step() if callable(step) else step
            return json.dumps(data)
        return reply
    return ScriptedModel([answer(s) for s in steps], name="scripted",
                         default=json.dumps({"action": "done"}))


def base_cfg(k: int = 1, budget: str = "tokens=50k", **options: Any) -> dict[str, Any]:
    return runtime_config(pipeline="gui", options={"k": k, "max_actions": 6, "max_pivots": 0} | options,
                          model="scripted", budget=Budget.parse(budget), sandbox="local", api_base=None,
                          price=None, check=False)


class SilentServer:
    """Accepts connections on 127.0.0.1 and never answers: a page that never loads."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.conns: list[socket.socket] = []
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(conn)

    def close(self):
        for c in self.conns:
            c.close()
        self.sock.close()
