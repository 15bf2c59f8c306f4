"""A fake OpenAI-compatible chat-completions server on loopback, for tests and benchmarks.

Real HTTP (stdlib `ThreadingHTTPServer`, one thread per request: concurrent requests overlap their
latency like a real server; `hold`: an Event answers wait for). Deterministic answers, a record of every
request, `n` support that can be switched off (the server then answers one choice, like
`llama_cpp.server`), real-looking usage, and fault injection at a given rate from a seeded RNG:

  "429"       HTTP 429 with an OpenAI error body
  "500"       HTTP 500
  "timeout"   sleeps `hang_seconds` before answering (set the client timeout below it)
  "truncated" HTTP 200 whose JSON body is cut in half (Content-Length matches the cut)
  "nonjson"   HTTP 200 with an HTML body
Tokens: one per whitespace-separated word plus 4 per message (never above `chars_upper_bound`).
"""
from __future__ import annotations

import hashlib
import json
import random
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

FAULT_KINDS = ("429", "500", "timeout", "truncated", "nonjson")


def count_tokens(text: str) -> int:
    return len(text.split())


def prompt_tokens(messages: list[dict[str, Any]]) -> int:
    return sum(count_tokens(str(m.get("content") or "")) + 4 for m in messages)


def instance_of(schema: dict[str, Any]) -> Any:
    """A small deterministic instance of a JSON schema (the subset tool calls use)."""
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    t = schema.get("type", "object")
    if isinstance(t, list):
        t = t[0]
    if t == "object":
        props = schema.get("properties", {})
        return {k: instance_of(v) for k, v in props.items()}
    if t == "array":
        return [instance_of(schema.get("items", {"type": "string"}))] * max(1, schema.get("minItems", 1))
    if t == "string":
        return "x" * max(1, schema.get("minLength", 1))
    if t == "integer":
        return int(schema.get("minimum", 1))
    if t == "number":
        return float(schema.get("minimum", 1.0))
    if t == "boolean":
        return True
    return None


@dataclass
class RecordedRequest:
    path: str
    body: dict[str, Any] | None
    outcome: str                 # "ok" or a fault kind, or "bad_request"
    choices: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    at: float = field(default_factory=time.monotonic)


class FakeOpenAIServer:
    def __init__(
        self,
        *,
        latency: float = 0.0,
        supports_n: bool = True,
        fault_rate: float = 0.0,
        faults: tuple[str, ...] = FAULT_KINDS,
        seed: int = 0,
        hang_seconds: float = 3.0,
        model_name: str = "fake-model",
        max_context: int | None = None,
    ):
        unknown = set(faults) - set(FAULT_KINDS)
        if unknown:
            raise ValueError(f"unknown fault kinds {sorted(unknown)}; known: {FAULT_KINDS}")
        self.latency = latency
        self.supports_n = supports_n
        self.fault_rate = fault_rate
        self.faults = tuple(faults)
        self.hang_seconds = hang_seconds
        self.model_name = model_name
        self.max_context = max_context  # prompt tokens above this -> 400 context_length_exceeded
        self.hold: threading.Event | None = None  # set by a test: answers wait until the event is set
        self.requests: list[RecordedRequest] = []
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self) -> "FakeOpenAIServer":
        server = self

        class Handler(_Handler):
            fake = server

        self._httpd = _Server(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True, name="fake-openai-server")
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> "FakeOpenAIServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Base URL to give a client as `api_base`, e.g. http://127.0.0.1:PORT/v1."""
        assert self._httpd is not None, "server not started"
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    # -- what tests check -------------------------------------------------------------------------
    def reset(self) -> None:
        with self._lock:
            self.requests.clear()

    def completed(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.outcome == "ok"]

    def served_usage(self) -> tuple[int, int]:
        """(prompt, completion) tokens over the requests answered successfully."""
        ok = self.completed()
        return sum(r.prompt_tokens for r in ok), sum(r.completion_tokens for r in ok)

    # -- behaviour ---------------------------------------------------------------------------------
    def pick_fault(self) -> str | None:
        with self._lock:
            if self.fault_rate and self._rng.random() < self.fault_rate:
                return self._rng.choice(self.faults)
        return None

    def record(self, rec: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(rec)

    def answer(self, body: dict[str, Any]) -> tuple[dict[str, Any], RecordedRequest]:
        messages = body.get("messages") or []
        n = int(body.get("n") or 1) if self.supports_n else 1
        max_tokens = int(body.get("max_tokens") or body.get("max_completion_tokens") or 64)
        seed = body.get("seed")
        fmt = body.get("response_format") or {}
        schema = None
        if fmt.get("type") == "json_schema":
            schema = (fmt.get("json_schema") or {}).get("schema", {})
        elif fmt.get("type") == "json_object":
            schema = fmt.get("schema") or {"type": "object"}
        last = str(messages[-1].get("content") or "") if messages else ""
        digest = hashlib.sha256(f"{last}|{seed}".encode()).hexdigest()[:8]
        choices, out_tokens = [], 0
        for i in range(n):
            if schema is not None:
                text, finish = json.dumps(instance_of(schema)), "stop"
            else:
                words = f"answer {i} {digest} to: {last}".split()
                finish = "length" if len(words) > max_tokens else "stop"
                text = " ".join(words[:max_tokens])
            out_tokens += count_tokens(text)
            choices.append({"index": i, "finish_reason": finish,
                            "message": {"role": "assistant", "content": text}})
        ptok = prompt_tokens(messages)
        resp = {
            "id": f"chatcmpl-{digest}", "object": "chat.completion", "created": int(time.time()),
            "model": body.get("model", self.model_name), "choices": choices,
            "usage": {"prompt_tokens": ptok, "completion_tokens": out_tokens,
                      "total_tokens": ptok + out_tokens},
        }
        return resp, RecordedRequest("", body, "ok", n, ptok, out_tokens)


class _Server(ThreadingHTTPServer):
    request_queue_size = 256  # the default backlog (5) drops SYNs when 16 clients connect at once


class _Handler(BaseHTTPRequestHandler):
    fake: FakeOpenAIServer
    protocol_version = "HTTP/1.1"
    # headers and body go out in two writes; with Nagle on, the body waits for the delayed ACK of
    # the headers (~40 ms on a kept-alive connection), a latency no real server adds
    disable_nagle_algorithm = True

    def log_message(self, *args: object) -> None:  # keep test output clean
        pass

    def _send(self, status: int, payload: bytes, ctype: str = "application/json") -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def do_GET(self) -> None:
        if self.path.rstrip("/").endswith("/models"):
            self._send(200, json.dumps({"object": "list", "data": [
                {"id": self.fake.model_name, "object": "model"}]}).encode())
        else:
            self._send(404, b'{"error": {"message": "not found"}}')

    def do_POST(self) -> None:
        fake = self.fake
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        if not self.path.rstrip("/").endswith("/chat/completions"):
            self._send(404, b'{"error": {"message": "not found", "type": "invalid_request_error"}}')
            return
        try:
            body = json.loads(raw)
        except ValueError:
            fake.record(RecordedRequest(self.path, None, "bad_request"))
            self._send(400, b'{"error": {"message": "request body is not JSON"}}')
            return
        ptok = prompt_tokens(body.get("messages") or [])
        if fake.max_context is not None and ptok > fake.max_context:
            fake.record(RecordedRequest(self.path, body, "bad_request", prompt_tokens=ptok))
            self._send(400, json.dumps({"error": {
                "message": f"This model's maximum context length is {fake.max_context} tokens. However, "
                           f"your messages resulted in {ptok} tokens.",
                "type": "invalid_request_error", "code": "context_length_exceeded"}}).encode())
            return
        fault = fake.pick_fault()
        fake.hold is None or fake.hold.wait(fake.hang_seconds)  # a test holds every answer until it sets it
        if fake.latency:
            time.sleep(fake.latency)
        if fault is not None:
            fake.record(RecordedRequest(self.path, body, fault))
            self._fault(fault)
            return
        resp, rec = fake.answer(body)
        rec.path = self.path
        fake.record(rec)
        self._send(200, json.dumps(resp).encode())

    def _fault(self, kind: str) -> None:
        if kind == "429":
            self._send(429, b'{"error": {"message": "rate limited (fake)", "type": "rate_limit_error"}}')
        elif kind == "500":
            self._send(500, b'{"error": {"message": "internal error (fake)", "type": "server_error"}}')
        elif kind == "timeout":
            time.sleep(self.fake.hang_seconds)
            self.close_connection = True
            self._send(500, b'{"error": {"message": "too late (fake)"}}')
        elif kind == "truncated":
            full = json.dumps({"id": "x", "object": "chat.completion", "choices": [
                {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "cut"}}],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}).encode()
            self._send(200, full[: len(full) // 2])
        elif kind == "nonjson":
            self._send(200, b"<html><body>502 Bad Gateway (fake)</body></html>", "text/html")


def main() -> None:
    """Run the fake server in its own process (benchmarks: keeps its threads off the client's GIL).
    Prints the base URL on one line, then serves until stdin closes or the process is killed."""
    import argparse
    import sys

    ap = argparse.ArgumentParser(description=main.__doc__)
    ap.add_argument("--latency", type=float, default=0.0)
    ap.add_argument("--no-n", action="store_true", help="ignore `n` (answer one choice)")
    ap.add_argument("--fault-rate", type=float, default=0.0)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    server = FakeOpenAIServer(latency=args.latency, supports_n=not args.no_n, fault_rate=args.fault_rate,
                              seed=args.seed).start()
    print(server.url, flush=True)
    try:
        sys.stdin.read()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
