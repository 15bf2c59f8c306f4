"""Bounded HTTP GETs for the web tools (httpx): timeouts, a size cap, an allow-list of hosts.

Every failure is a `ToolError` whose one-line message is what the model sees as the tool's result
(a dead link, a page that is not HTML or text, a page over the size cap, a server that does not
answer in time), never an exception that ends the run. `sent` says whether the request went out
(a sent request is charged; one refused before sending is not).
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

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


class HttpClient:
    """GET with per-phase timeouts, a total deadline, a byte cap, and only allowed hosts
    (`allowed(host:port) -> bool`, checked for the first request and every redirect)."""

    def __init__(self, *, allowed: Callable[[str], bool], max_bytes: int = MAX_BYTES,
                 connect_s: float = CONNECT_S, read_s: float = READ_S, total_s: float = TOTAL_S):
        self.allowed, self.max_bytes, self.total_s = allowed, max_bytes, total_s
        self._timeout = httpx.Timeout(connect=connect_s, read=read_s, write=read_s, pool=connect_s)

    def get(self, url: str, *, what: str = "open") -> Response:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ToolError(f"{what}: {url!r} is not an http(s) URL", sent=False)
        if not self.allowed(parts.netloc):
            raise ToolError(f"{what}: {parts.netloc} is not a site this search returned; open a URL from the "
                            "search results", sent=False)

        def check(request: httpx.Request) -> None:
            if not self.allowed(request.url.netloc.decode()):
                raise ToolError(f"{what}: {url} redirects to {request.url.host}, which is not allowed")

        deadline = time.monotonic() + self.total_s
        try:
            with httpx.Client(timeout=self._timeout, follow_redirects=True, max_redirects=3, trust_env=False,
                              event_hooks={"request": [check]}) as client:
                with client.stream("GET", url, headers={"Accept": "text/html, text/plain, application/json"}) as r:
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
        except httpx.TimeoutException:
            raise ToolError(f"{what}: {url} did not answer within {self._timeout.read:g} s") from None
        except httpx.TooManyRedirects:
            raise ToolError(f"{what}: {url} redirects too many times") from None
        except httpx.ConnectError as e:
            raise ToolError(f"{what}: could not connect to {parts.netloc} ({type(e).__name__})") from None
        except httpx.HTTPError as e:
            raise ToolError(f"{what}: {url} failed: {type(e).__name__}: {e}") from None
