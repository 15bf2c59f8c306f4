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
from tools.web.entries import named_entry, named_row, signature

TOOLS = ("search", "open", "find")
# Default dollars per call in the unified cost (a run's CostModel.tool_prices override them):
# a search API query, a page fetch, a find over a page (a fetch when not opened yet).
PRICES = {"search": 0.005, "open": 0.001, "find": 0.0005}
_WORD = re.compile(r"[a-z0-9_]+")
_STOP = set("the a an of in on to and or is are was were be for with by what which who how when does do "
            "did that this it as at from its into python module function".split())


def words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 1]


# A line longer than this is cut into pieces of about a paragraph's size (at spaces where it can be): a page that
# is one long line (a 5 MB text file, minified HTML) would otherwise be one paragraph, and every `open` of it an
# observation of megabytes. The Python docs have no such line (their longest is 1898 characters).
LONG_LINE = 2000


def _pieces(line: str, size: int) -> list[str]:
    if len(line) <= LONG_LINE:
        return [line]
    out, start = [], 0
    while len(line) - start > size:  # indices, not slices of the rest: a 5 MB line is cut in linear time
        cut = line.rfind(" ", start + size // 2, start + size + 1)
        cut = cut if cut > start else start + size
        out.append(line[start:cut])
        start = cut + 1 if line[cut:cut + 1] == " " else cut
    out.append(line[start:])
    return [p for p in out if p]


def passage_lines(text: str, size: int = 400) -> list[list[str]]:
    """The page text in paragraphs of about `size` characters, each as its lines (never split mid-line; a
    line over LONG_LINE characters is cut into pieces first); a signature line (`tools.web.entries`) after
    other lines starts a paragraph, so one thing's notes never share a paragraph with the next thing's name."""
    out: list[list[str]] = []
    cur: list[str] = []
    length, after_signature = 0, False
    for line in (p for raw in text.splitlines() for p in _pieces(" ".join(raw.split()), size)):
        if not line:
            continue
        is_signature = bool(signature(line))
        starts, after_signature = is_signature and not after_signature, is_signature
        if cur and (length + len(line) > size or starts):  # length: the paragraph's characters, joined by spaces
            out.append(cur)
            cur = []
        length = len(line) if not cur else length + 1 + len(line)
        cur.append(line)
    if cur:
        out.append(cur)
    return out


def passages(text: str, size: int = 400) -> list[str]:
    """The page text in paragraphs of about `size` characters (lines joined, never split mid-line)."""
    return [" ".join(lines) for lines in passage_lines(text, size)]


def rank(paras: list[str], focus: str) -> list[tuple[int, int, str]]:
    """(index, words shared with `focus`, paragraph) for every paragraph, most shared first (page
    order among equals)."""
    want = set(words(focus))
    scored = [(i, len(want & set(words(p))), p) for i, p in enumerate(paras)]
    return sorted(scored, key=lambda t: (-t[1], t[0]))


def best_passages(text: str, focus: str, n: int = 2, size: int = 400) -> list[str]:
    """The `n` paragraphs sharing the most words with `focus` (page order kept; the first one when
    nothing matches)."""
    return [p for _, p in view(text, focus, (), n, size)]


def view(text: str, focus: str, skip: Any = (), n: int = 2, size: int = 400) -> list[tuple[int, str]]:
    """The next `n` (index, paragraph) pairs of the page for `focus`, leaving out the indices in
    `skip` (shown before), in page order. The paragraphs of the entry `focus` names as code
    (`tools.web.entries.named_entry`) come first; then those sharing most words with `focus`. A first
    view with no paragraph matching shows the page's start; a later view shows only paragraphs that
    share a word with `focus` (none left: [])."""
    skip = set(skip)
    groups = passage_lines(text, size)
    entry = _entry_groups(groups, focus)
    ranked = [t for t in rank([" ".join(g) for g in groups], focus) if t[0] not in skip]
    ranked.sort(key=lambda t: t[0] not in entry)  # stable: the entry's paragraphs first, each part by score
    if entry and not skip:
        return [(i, p) for i, _, p in sorted(ranked[:n])]
    if not skip and (not set(words(focus)) or not ranked or ranked[0][1] == 0):
        ranked.sort()  # nothing matches: the page's start
    elif skip:
        ranked = [t for t in ranked if t[1] > 0]
    return [(i, p) for i, _, p in sorted(ranked[:n])]


def _entry_groups(groups: list[list[str]], focus: str) -> set[int]:
    """Indices of the paragraphs that hold the entry `focus` names (paragraphs start at signatures), or
    the table row it names (`named_row`) and its table's header. The
    signatures of one entry share a paragraph (`passage_lines`), so each paragraph that starts with one is
    the next entry: a run of short entries is not one entry with many signatures."""
    firsts = [g[0] for g in groups]
    span = named_entry(firsts, focus)
    if not span:  # the paragraphs holding the table row `focus` names and its table's header
        row = named_row([line for g in groups for line in g], focus)
        if not row:
            return set()
        home = [k for k, g in enumerate(groups) for _ in g]  # each line's paragraph
        return {home[row[0]], home[row[1]]}
    end = next((j for j in range(span[0] + 1, len(groups)) if signature(firsts[j])), len(groups))
    return set(range(span[0], end))


class WebTools:
    def __init__(self, backend: SearchBackend, *, results: int = 4, excerpt_chars: int = 400, excerpts: int = 2):
        self.backend, self.results = backend, results
        self.excerpt_chars, self.excerpts = excerpt_chars, excerpts
        self.pages: dict[str, Page] = {}

    def _charge(self, charger: Any, tool: str):
        price = charger.cost_model.tool_prices.get(tool, PRICES[tool])
        return charger.reserve(Spend(usd_tools=price, tools={tool: 1}))

    def call(self, charger: Any, tool: str, *, query: str = "", url: str = "", text: str = "",
             focus: str = "", shown: Any = ()) -> dict[str, Any]:
        """Run one tool call, charged to `charger` (a BudgetTracker); returns the observation.
        `shown`: the paragraphs of `url` an earlier `open` showed this run (its observation's
        "shown"); opening the page again shows the next ones that match `focus`."""
        if tool not in TOOLS:
            return {"tool": tool, "error": f"unknown tool {tool!r}: use search, open or find"}
        reservation = self._charge(charger, tool)
        sent = True
        try:
            if tool == "search":
                return self._search(query)
            if tool == "open":
                return self._open(url, focus, shown)
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

    def _open(self, url: str, focus: str, shown: Any = ()) -> dict[str, Any]:
        page = self.page(url)
        parts = view(page.text, focus, shown, self.excerpts, self.excerpt_chars)
        if not parts:  # nothing was sent: a page opened before is read from this run's copy
            raise ToolError(f"open: nothing more on {url} matches the question; open another result or search",
                            sent=False)
        seen = [*shown, *(i for i, _ in parts)]
        obs = {"tool": "open", "url": url, "title": page.title, "excerpts": [p for _, p in parts],
               "shown": [i for i, _ in parts], "more": bool(view(page.text, focus, seen, 1, self.excerpt_chars))}
        if shown:
            obs["note"] = "more of a page opened before: the next parts that match the question"
        return obs

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
