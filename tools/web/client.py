"""Bounded HTTP GETs for the web tools (httpx): timeouts, a size cap, an allow-list of hosts.

Every failure is a `ToolError` whose one-line message is what the model sees as the tool's result
(a dead link, a page that is not HTML or text, a page over the size cap, a server that does not
answer in time), never an exception that ends the run. `sent` says whether the request went out
(a sent request is charged; one refused before sending is not).
"""
from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

MAX_BYTES = 5_000_000       # a page larger than this is refused (and reading stops there)
CONNECT_S, READ_S, TOTAL_S = 3.0, 10.0, 20.0


class ToolError(Exception):
    def __init__(self, message: str, *, sent: bool = True):
        super().__init__(" ".join(str(message).split())[:300])
        self.sent = sent


@dataclass
class Response:
    url: str
    status: int
    content_type: str
    body: bytes


def _mb(n: int) -> str:
    return f"{n / 1_000_000:g} MB"


def site(url: str) -> str | None:
    """The host[:port] an http(s) URL sends its request to, as httpx sends it (lower case, IDNA, no
    user info, no default port): the allow-list's key. None for a URL httpx cannot send (a space or
    control character, a bad IPv6 address or port, an invalid host name) or one that is not http(s)."""
    try:
        u = httpx.URL(url)
        if u.scheme not in ("http", "https") or not u.host or not 0 < (u.port or 80) < 65536:
            return None
        return u.netloc.decode("ascii")
    except (httpx.InvalidURL, ValueError, TypeError):  # UnicodeError (IDNA, a lone surrogate) is a ValueError
        return None


class _Deadline:
    """Ends a request at its total deadline even while a read is blocked: httpx's read timeout restarts with
    every byte, so a server that sends its headers a byte at a time never trips it. The sockets the request
    connects (httpcore's `trace` extension) are shut down when the time is up, which wakes the read."""

    def __init__(self, seconds: float):
        self.expired = False
        self._socks: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def trace(self, event: str, info: dict[str, Any]) -> None:
        if event == "connection.connect_tcp.complete":
            sock = info["return_value"].get_extra_info("socket")
            with self._lock:
                if sock is not None:
                    self._socks.append(sock)
                if self.expired:
                    self._shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._socks:
                self._shut(sock)

    @staticmethod
    def _shut(sock: socket.socket | None) -> None:
        try:
            if sock is not None:
                sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def __enter__(self) -> "_Deadline":
        self._timer.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._timer.cancel()


class HttpClient:
    """GET with per-phase timeouts, a total deadline, a byte cap, and only allowed hosts
    (`allowed(host:port) -> bool`, checked for the first request and every redirect)."""

    def __init__(self, *, allowed: Callable[[str], bool], max_bytes: int = MAX_BYTES,
                 connect_s: float = CONNECT_S, read_s: float = READ_S, total_s: float = TOTAL_S):
        self.allowed, self.max_bytes, self.total_s = allowed, max_bytes, total_s
        self._timeout = httpx.Timeout(connect=connect_s, read=read_s, write=read_s, pool=connect_s)

    def get(self, url: str, *, what: str = "open") -> Response:
        where = site(url)
        if where is None:
            raise ToolError(f"{what}: {url[:200]!r} is not an http(s) URL", sent=False)
        if not self.allowed(where):
            raise ToolError(f"{what}: {where} is not a site this search returned; open a URL from the "
                            "search results", sent=False)

        def check(request: httpx.Request) -> None:
            if not self.allowed(request.url.netloc.decode("ascii")):
                raise ToolError(f"{what}: {url} redirects to {request.url.host}, which is not allowed")

        deadline, watch = time.monotonic() + self.total_s, _Deadline(self.total_s)
        try:
            with watch, httpx.Client(timeout=self._timeout, follow_redirects=True, max_redirects=3, trust_env=False,
                                     event_hooks={"request": [check]}) as client:
                with client.stream("GET", url, headers={"Accept": "text/html, text/plain, application/json"},
                                   extensions={"trace": watch.trace}) as r:
                    ctype = r.headers.get("content-type", "")
                    if r.status_code >= 400:
                        raise ToolError(f"{what}: {url} answered HTTP {r.status_code} (a dead link or a server error)")
                    declared = r.headers.get("content-length")
                    if declared and declared.isdigit() and int(declared) > self.max_bytes:
                        raise ToolError(f"{what}: {url} is {_mb(int(declared))}, over the {_mb(self.max_bytes)} "
                                        "page limit; not read")
                    chunks, size = [], 0
                    for chunk in r.iter_bytes():
                        size += len(chunk)
                        if size > self.max_bytes:
                            raise ToolError(f"{what}: {url} is over the {_mb(self.max_bytes)} page limit; "
                                            "stopped reading")
                        if time.monotonic() > deadline:
                            raise ToolError(f"{what}: {url} did not finish within {self.total_s:g} s")
                        chunks.append(chunk)
                    return Response(str(r.url), r.status_code, ctype, b"".join(chunks))
        except ToolError:
            raise
        # whatever else a hostile server makes httpx raise (a redirect to a URL it cannot parse is an InvalidURL,
        # not an HTTPError) is the tool's error, never the run's
        except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError, ValueError, OSError) as e:
            raise self._error(e, what, url, where, watch.expired) from None

    def _error(self, e: Exception, what: str, url: str, where: str, expired: bool) -> ToolError:
        """The one-line tool error for a request that failed after it may have gone out."""
        if expired:  # the deadline shut the connection down, whatever the read then saw
            return ToolError(f"{what}: {url} did not finish within {self.total_s:g} s")
        if isinstance(e, httpx.TimeoutException):
            return ToolError(f"{what}: {url} did not answer within {self._timeout.read:g} s")
        if isinstance(e, httpx.TooManyRedirects):
            return ToolError(f"{what}: {url} redirects too many times")
        if isinstance(e, httpx.ConnectError):
            return ToolError(f"{what}: could not connect to {where} ({type(e).__name__})")
        return ToolError(f"{what}: {url} failed: {type(e).__name__}: {e}")
