"""Search backends behind one protocol:

    backend.search(query, limit) -> [Hit]      raises ToolError
    backend.fetch(url) -> Page                 raises ToolError

`SearxngBackend` speaks the SearxNG JSON API (`GET /search?q=...&format=json`) of any server that
has it: a user's own SearxNG, or the local index server (`local_index`, the embedded default, which
starts the server on loopback and stops it on exit). A fetched URL must be on the search server's
host or on a host a search result named: a model cannot send requests anywhere it likes.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlencode, urlsplit

from tools.web.client import MAX_BYTES, HttpClient, ToolError, site
from tools.web.extract import clean, is_text, page_text

MAX_URL = 2000      # a result URL longer than this is skipped (it would fill every prompt that lists it)
MAX_TITLE = 200


@dataclass
class Hit:
    url: str
    title: str
    snippet: str


@dataclass
class Page:
    url: str
    title: str
    text: str


class SearchBackend(Protocol):
    name: str

    def search(self, query: str, limit: int = 5) -> list[Hit]: ...

    def fetch(self, url: str) -> Page: ...


class SearxngBackend:
    name = "searxng"

    def __init__(self, base_url: str, *, max_bytes: int = MAX_BYTES, read_s: float = 10.0, total_s: float = 20.0):
        here = site(base_url)
        if here is None:
            raise ValueError(f"bad search server URL {base_url!r}: expected http(s)://host[:port]")
        self.base_url = base_url.rstrip("/")
        self._hosts = {here}  # host[:port] as the client sends it (`site`): no user info, no default port
        self._lock = threading.Lock()
        self.http = HttpClient(allowed=self._allowed, max_bytes=max_bytes, read_s=read_s, total_s=total_s)

    def _allowed(self, netloc: str) -> bool:
        with self._lock:
            return netloc in self._hosts

    def search(self, query: str, limit: int = 5) -> list[Hit]:
        url = f"{self.base_url}/search?{urlencode({'q': query, 'format': 'json', 'limit': limit})}"
        resp = self.http.get(url, what="search")
        hits = parse_results(resp.body, limit)
        with self._lock:
            self._hosts.update(host for host in map(site, (h.url for h in hits)) if host)
        return hits

    def fetch(self, url: str) -> Page:
        resp = self.http.get(url, what="open")
        if not is_text(resp.content_type):
            kind = resp.content_type.split(";")[0].strip() or "an unknown type"
            raise ToolError(f"open: {url} is {kind}, not an HTML or text page")
        title, text = page_text(resp.body, resp.content_type, url)
        if not text.strip():
            raise ToolError(f"open: {url} has no readable text")
        return Page(url=url, title=(title or url)[:MAX_TITLE], text=text)


def parse_results(body: bytes, limit: int) -> list[Hit]:
    """Hits from a SearxNG JSON body. A body that is not that JSON is a ToolError; single results
    without a usable http(s) `url` (one httpx can send, at most MAX_URL characters) are skipped; a title or
    snippet that is not a string is dropped, one that is has its control characters and lone surrogates replaced."""
    import json

    try:
        data: Any = json.loads(body.decode("utf-8", errors="strict"))
    except (ValueError, RecursionError):  # not UTF-8, not JSON, nested past the parser's depth, a 5000-digit number
        raise ToolError("search: the search server returned malformed results (not JSON)") from None
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        raise ToolError("search: the search server returned malformed results (no 'results' list)")
    hits: list[Hit] = []
    for item in data["results"]:
        if not isinstance(item, dict) or not isinstance(item.get("url"), str):
            continue
        if len(item["url"]) > MAX_URL or site(item["url"]) is None or item["url"] != clean(item["url"]):
            continue
        title = item.get("title") if isinstance(item.get("title"), str) else ""
        snippet = item.get("content") if isinstance(item.get("content"), str) else ""
        hits.append(Hit(url=item["url"], title=" ".join(clean(title[:4 * MAX_TITLE]).split())[:MAX_TITLE],
                        snippet=" ".join(clean(snippet[:4000]).split())[:400]))
        if len(hits) >= limit:
            break
    return hits


class LocalIndexBackend(SearxngBackend):
    """The local index's server: its pages are addressed by path and the port changes with every
    process, so a page URL of an earlier server (in a resumed run's evidence) is read from this one."""

    name = "local"

    def fetch(self, url: str) -> Page:
        try:
            parts = urlsplit(url)
        except ValueError:  # not a URL this server made (an IPv6 address cut short): the client says so
            return super().fetch(url)
        if parts.hostname == "127.0.0.1" and parts.path.startswith("/doc/"):
            here = f"{self.base_url}{parts.path}"
            page = super().fetch(here)
            return Page(url=url, title=page.title, text=page.text)
        return super().fetch(url)


@contextmanager
def local_index(index_path: Path, **kw: Any) -> Iterator[SearxngBackend]:
    """The embedded default: serve `index_path` on loopback for the duration of the block."""
    from tools.web.server import IndexServer

    with IndexServer(index_path) as server:
        yield LocalIndexBackend(server.url, **kw)
