"""A loopback HTTP server whose routes misbehave on purpose, for the web tools' failure tests.

  /page            a small HTML page
  /dead            404
  /pdf             application/pdf bytes
  /huge            a 20 MB text/html body (Content-Length declared)
  /huge-chunked    a 20 MB text/html body without Content-Length (read until the cap)
  /hang            sends nothing until the server closes
  /drip-headers    a status line, then one header line every 0.2 s (never the end of the headers)
  /search?q=...    SearxNG JSON; `mode` picks what comes back: ok | notjson | noresults | baditems, or
                   `search_body` (bytes) when set
  any path in `pages`: its (status, headers, body) as given
"""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

MB = 1_000_000


class FaultServer:
    def __init__(self) -> None:
        self.mode = "ok"
        self.search_body: bytes | None = None
        self.pages: dict[str, tuple[int, dict[str, str], bytes]] = {}
        self.requests: list[str] = []
        self.stop = threading.Event()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                owner.requests.append(self.path)
                path = urlsplit(self.path).path
                if path == "/page":
                    self._send(200, "text/html", b"<html><head><title>Page</title></head><body><main><p>"
                               b"The answer is forty-two, as the page says.</p></main></body></html>")
                elif path == "/pdf":
                    self._send(200, "application/pdf", b"%PDF-1.4 not a page")
                elif path == "/huge":
                    self._stream(20 * MB, declare=True)
                elif path == "/huge-chunked":
                    self._stream(20 * MB, declare=False)
                elif path == "/hang":
                    owner.stop.wait(30)
                elif path == "/drip-headers":
                    self._drip()
                elif path in owner.pages:
                    status, headers, body = owner.pages[path]
                    self._send(status, headers.get("Content-Type", ""), body, headers)
                elif path == "/search":
                    self._search()
                else:
                    self._send(404, "text/plain", b"gone")

            def _search(self) -> None:
                base = f"http://127.0.0.1:{owner.port}"
                if owner.search_body is not None:
                    return self._send(200, "application/json", owner.search_body)
                if owner.mode == "notjson":
                    return self._send(200, "application/json", b"<html>oops</html>")
                if owner.mode == "noresults":
                    return self._send(200, "application/json", b'{"answers": []}')
                items: list[Any] = [{"url": f"{base}/page", "title": "Page", "content": "forty-two"}]
                if owner.mode == "baditems":
                    items = ["x", {"title": "no url"}, {"url": "ftp://x/y"}, {"url": 5},
                             {"url": f"{base}/page", "title": ["not", "str"], "content": None}]
                self._send(200, "application/json", json.dumps({"query": "q", "results": items}).encode())

            def _send(self, status: int, ctype: str, body: bytes, headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                for k, v in (headers or {}).items():
                    if k != "Content-Type":
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def _drip(self) -> None:
                try:
                    self.wfile.write(b"HTTP/1.1 200 OK\r\n")
                    while not owner.stop.wait(0.2):
                        self.wfile.write(b"X-Slow: 1\r\n")
                        self.wfile.flush()
                except OSError:
                    pass

            def _stream(self, size: int, declare: bool) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                if declare:
                    self.send_header("Content-Length", str(size))
                self.end_headers()
                chunk = b"<p>" + b"x" * 65_529 + b"</p>"
                try:
                    for _ in range(size // len(chunk)):
                        self.wfile.write(chunk)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> "FaultServer":
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)
