"""A loopback OpenAI-compatible server whose answers come from a function of the messages, so a run
through the real CLI (litellm, HTTP) follows a script: `ScriptServer(respond, latency=...)`.
`received` counts every request as it arrives (before its latency), `answered` those answered.
`hold_when`: a request that arrives while it returns True is held (counted in `held`) until
`release()`, so a test can kill a client while a chosen request is surely in flight."""
from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from tests.fakes.openai_server import FakeOpenAIServer, count_tokens


class ScriptServer(FakeOpenAIServer):
    def __init__(self, respond: Callable[[list[dict[str, Any]]], str], **kw: Any):
        super().__init__(**kw)
        self.respond = respond
        self.received = self.held = 0
        self.hold_when: Callable[[], bool] | None = None
        self._release = threading.Event()

    def pick_fault(self) -> str | None:  # called once per request, as it arrives, in its own thread
        with self._lock:
            self.received += 1
        gate = self.hold_when
        if gate is not None and gate():
            release = self._release
            with self._lock:
                self.held += 1
            release.wait(60)
        return super().pick_fault()

    def release(self) -> None:
        """Let the held requests go on (to a client that may be gone) and hold no more."""
        self.hold_when, release, self._release = None, self._release, threading.Event()
        release.set()

    def answer(self, body: dict[str, Any]):
        resp, rec = super().answer(body)
        out = 0
        for choice in resp["choices"]:
            text = self.respond(body.get("messages") or [])
            choice["message"]["content"], choice["finish_reason"] = text, "stop"
            out += count_tokens(text)
        resp["usage"]["completion_tokens"] = rec.completion_tokens = out
        resp["usage"]["total_tokens"] = resp["usage"]["prompt_tokens"] + out
        return resp, rec
