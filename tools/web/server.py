"""The loopback HTTP server of a local index: real HTTP, so the agent's tools make real requests.

    with IndexServer(index_path) as server:     # 127.0.0.1, an ephemeral port
        server.url                              # http://127.0.0.1:PORT
    # closed: the port is released and the serving thread has ended

Endpoints (the search one speaks the SearxNG JSON API, so one client serves both backends):
  GET /search?q=QUERY&format=json  → {"query", "number_of_results", "results": [{"url", "title", "content", "score"}]}
  GET /doc/PATH                    → the document's original bytes with its content type
"""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from tools.web.index import Index

THREAD_NAME = "scaleagent-web-index"


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the CLI owns stderr
        pass

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        parts = urlsplit(self.path)
        if parts.path == "/search":
            q = (parse_qs(parts.query).get("q") or [""])[0]
            try:
                limit = int((parse_qs(parts.query).get("limit") or ["5"])[0] or 5)
            except ValueError:
                self._send(400, "text/plain; charset=utf-8", b"limit must be a whole number")
                return
            with self.server.lock:
                hits = self.server.index.search(q, limit=max(1, min(limit, 20)))
            base = f"http://{self.server.server_address[0]}:{self.server.server_address[1]}"
            results = [{"url": f"{base}/doc/{quote(h['path'])}", "title": h["title"], "content": h["snippet"],
                        "score": h["score"], "engine": "fts5"} for h in hits]
            self._send(200, "application/json", json.dumps({"query": q, "number_of_results": len(results),
                                                            "results": results}).encode())
        elif parts.path.startswith("/doc/"):
            with self.server.lock:
                doc = self.server.index.document(unquote(parts.path[len("/doc/"):]))
            if doc is None:
                self._send(404, "text/plain; charset=utf-8", b"not found")
            else:
                self._send(200, doc[0], doc[1])
        else:
            self._send(404, "text/plain; charset=utf-8", b"not found")

    def _send(self, status: int, ctype: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = False

    def __init__(self, index: Index):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.index = index
        self.lock = threading.Lock()  # one sqlite connection, used by one request at a time

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet: a client that resets its connection is that request's end, not a traceback on the CLI's stderr."""


class IndexServer:
    """Serves an index on 127.0.0.1 (ephemeral port) from a background thread until `close()`."""

    def __init__(self, index_path: Path):
        self.index = Index(Path(index_path))
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "server not started"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def port(self) -> int:
        assert self._server is not None, "server not started"
        return int(self._server.server_address[1])

    def start(self) -> "IndexServer":
        self._server = _Server(self.index)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name=THREAD_NAME, daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving, release the port, end the thread, close the index (idempotent)."""
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self.index.close()

    def __enter__(self) -> "IndexServer":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.close()
