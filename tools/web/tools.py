"""The budgeted web tools `search(query)`, `open(url)`, `find(url, text)`.

Each is one named tool in the unified cost, charged like `run_tests` (sandboxes/execution.py):
reserve one call of that tool before anything is sent (a refusal, `BudgetExceeded`, propagates and
nothing is sent), settle it once the request went out (whatever came back), release it when the
tool refused before sending (a URL no search returned). Every other failure is an observation
`{"error": ...}` the model sees. Pages opened are kept (`pages`) so `find` and the verifier read
the same text the model was shown a part of; `find` on a page not opened yet fetches it.
Blocking: call from a worker thread.
"""
from __future__ import annotations

import re
from typing import Any

from budgets import Spend

from tools.web.backends import Page, SearchBackend
from tools.web.client import ToolError

TOOLS = ("search", "open", "find")
# Default dollars per call in the unified cost (a run's CostModel.tool_prices override them):
# a search API query, a page fetch, a find over a page (a fetch when not opened yet).
PRICES = {"search": 0.005, "open": 0.001, "find": 0.0005}
_WORD = re.compile(r"[a-z0-9_]+")
_STOP = set("the a an of in on to and or is are was were be for with by what which who how when does do "
            "did that this it as at from its into python module function".split())


def words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 1]


def passages(text: str, size: int = 400) -> list[str]:
    """The page text in paragraphs of about `size` characters (lines joined, never split mid-line)."""
    out, cur = [], ""
    for line in text.splitlines():
        line = " ".join(line.split())
        if not line:
            continue
        if cur and len(cur) + len(line) > size:
            out.append(cur)
            cur = ""
        cur = f"{cur} {line}".strip()
    if cur:
        out.append(cur)
    return out


def best_passages(text: str, focus: str, n: int = 2, size: int = 400) -> list[str]:
    """The `n` paragraphs sharing the most words with `focus` (page order kept; the first one when
    nothing matches)."""
    paras = passages(text, size)
    want = set(words(focus))
    scored = sorted(range(len(paras)), key=lambda i: (-len(want & set(words(paras[i]))), i))
    chosen = sorted(scored[:n]) if want else list(range(min(n, len(paras))))
    return [paras[i] for i in chosen]


class WebTools:
    def __init__(self, backend: SearchBackend, *, results: int = 4, excerpt_chars: int = 400, excerpts: int = 2):
        self.backend, self.results = backend, results
        self.excerpt_chars, self.excerpts = excerpt_chars, excerpts
        self.pages: dict[str, Page] = {}

    def _charge(self, charger: Any, tool: str):
        price = charger.cost_model.tool_prices.get(tool, PRICES[tool])
        return charger.reserve(Spend(usd_tools=price, tools={tool: 1}))

    def call(self, charger: Any, tool: str, *, query: str = "", url: str = "", text: str = "",
             focus: str = "") -> dict[str, Any]:
        """Run one tool call, charged to `charger` (a BudgetTracker); returns the observation."""
        if tool not in TOOLS:
            return {"tool": tool, "error": f"unknown tool {tool!r}: use search, open or find"}
        reservation = self._charge(charger, tool)
        sent = True
        try:
            if tool == "search":
                return self._search(query)
            if tool == "open":
                return self._open(url, focus)
            return self._find(url, text)
        except ToolError as e:
            sent = e.sent
            return {"tool": tool, "error": str(e)}
        finally:
            if sent:
                reservation.settle(reservation.amount)
            else:
                reservation.release()

    def _search(self, query: str) -> dict[str, Any]:
        if not query.strip():
            raise ToolError("search: empty query", sent=False)
        hits = self.backend.search(query, self.results)
        obs: dict[str, Any] = {"tool": "search", "query": query,
                               "results": [{"url": h.url, "title": h.title, "snippet": h.snippet[:240]} for h in hits]}
        if not hits:
            obs["error"] = f"search: no results for {query!r}; try other words"
        return obs

    def page(self, url: str) -> Page:
        if url not in self.pages:
            self.pages[url] = self.backend.fetch(url)
        return self.pages[url]

    def _open(self, url: str, focus: str) -> dict[str, Any]:
        page = self.page(url)
        return {"tool": "open", "url": url, "title": page.title,
                "excerpts": best_passages(page.text, focus, self.excerpts, self.excerpt_chars)}

    def _find(self, url: str, text: str) -> dict[str, Any]:
        if not text.strip():
            raise ToolError("find: empty text to look for", sent=False)
        page = self.page(url)
        needle = " ".join(text.lower().split())
        hits = [p for p in passages(page.text, self.excerpt_chars) if needle in p.lower()]
        obs: dict[str, Any] = {"tool": "find", "url": url, "text": text, "title": page.title,
                               "matches": hits[: self.excerpts]}
        if not hits:
            obs["matches"] = best_passages(page.text, text, 1, self.excerpt_chars)
            obs["note"] = f"{text!r} does not occur on the page; the closest paragraph is shown"
        return obs
