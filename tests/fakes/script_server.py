"""A loopback OpenAI-compatible server whose answers come from a function of the messages, so a run
through the real CLI (litellm, HTTP) follows a script: `ScriptServer(respond, latency=...)`.
`received` counts every request as it arrives (before its latency), `answered` those answered."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.fakes.openai_server import FakeOpenAIServer, count_tokens


class ScriptServer(FakeOpenAIServer):
    def __init__(self, respond: Callable[[list[dict[str, Any]]], str], **kw: Any):
        super().__init__(**kw)
        self.respond = respond
        self.received = 0

    def pick_fault(self) -> str | None:  # called once per request, as it arrives
        with self._lock:
            self.received += 1
        return super().pick_fault()

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
