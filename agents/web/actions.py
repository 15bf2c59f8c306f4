"""The research stage's actions: parsing a model's tool call (or answer) against what the run has
seen, and the rule-based next action used when no sampled action is valid.

The memo (the stage's checkpointed notes) holds: checklist (planned queries), searched, results (the
last search's hits), seen (every URL a search returned), opened, evidence ({url, title, text}),
draft (an answer the model proposed while acting), ready (the next step is an answer step),
answers (answer steps so far), said (each answer step's answer, normalized), feedback (why the last
answer was not verified)."""
from __future__ import annotations

import json
import re
from typing import Any

from agents.web.prompts import shown
from agents.web.quotes import contains, normalize

ACT_SCHEMA = {"type": "object", "properties": {
    "tool": {"type": "string", "enum": ["search", "open", "find", "answer"]},
    "input": {"type": "string"}, "url": {"type": "string"}}, "required": ["tool", "input"]}
ANSWER_SCHEMA = {"type": "object", "properties": {
    "answer": {"type": "string"}, "source": {"type": "integer"}, "quote": {"type": "string"}},
    "required": ["answer", "source", "quote"]}
SHOWN = 4  # evidence items an answer prompt shows (the newest)
# Paragraphs of one page a dig deeper reads (two views of two). Dev split: the question's best search
# result is the answer's page for 12 of 15; on the answer's page the 4 paragraphs that match the
# question best hold the answer for 14 of 15 (the first 2 for 12); deeper reading starves the next result.
MAX_PARTS = 4
STOP_WORDS = frozenset(
    "a an and are as at be been by can could did do does for from had has have how i if in into is it its "
    "me my of on or should that the their them then there these they this those to was were what when "
    "where which who whom whose why will with would you your".split())


def norm_query(q: str) -> str:
    return " ".join(q.lower().split())


def restates(text: str, question: str) -> bool:
    """`text` has three or more words besides stop words, all of them the question's: a small model's
    echo of the question or of its query ("Python version graphlib module added"), not an answer.
    A short answer made of the question's words ("Which is faster, a list or a tuple?" → "a tuple")
    is not an echo."""
    said = set(normalize(text).split()) - STOP_WORDS
    return len(said) >= 3 and said <= set(normalize(question).split())


def echo(text: str, memo: dict[str, Any], question: str) -> str:
    """What `text` only repeats ("the question's words", "a search query": a planned or searched one
    made of the question's words), or "" when it says something of its own. A query with a word the
    question lacks is the model's guess at the answer ("heapq" for "which module provides a heap
    queue?"): answering it is no echo, the evidence decides."""
    if restates(text, question):
        return "the question's words"
    said = set(normalize(text).split()) - STOP_WORDS
    if (said and said <= set(normalize(question).split())
            and norm_query(text) in {norm_query(q) for q in (memo.get("checklist") or []) + (memo.get("searched") or [])}):
        return "a search query"
    return ""


def answered_this_evidence(memo: dict[str, Any]) -> bool:
    """The last answer step saw all the evidence there is: new evidence must come before another."""
    return memo.get("answered_on") == len(memo.get("evidence") or [])


def _json(text: str) -> dict[str, Any]:
    text = text.strip()
    m = re.search(r"\{.*\}", text, re.S)
    data = json.loads(m.group(0) if m else text)
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    return data


def _resolve(ref: str, memo: dict[str, Any]) -> str:
    ref = ref.strip().strip("[]#. ")
    results = memo.get("results") or []
    if ref.isdigit():
        i = int(ref)
        if 1 <= i <= len(results):
            return results[i - 1]["url"]
        raise ValueError(f"there is no search result number {i}")
    seen = memo.get("seen") or []
    if ref in seen:
        return ref
    match = next((u for u in seen if shown(u) == ref), None)  # a URL as the prompt showed it
    if match:
        return match
    raise ValueError("open a URL from the search results (or its number)")


def parse_action(text: str, memo: dict[str, Any], left: dict[str, int | None], question: str = "",
                 pivot: bool = False) -> dict[str, str]:
    """The model's next action; in a pivot step (a new line of search) only a new search counts."""
    data = _json(text)
    tool, inp = data.get("tool"), str(data.get("input") or "").strip()[:300]
    url = str(data.get("url") or "").strip()
    if tool not in ("search", "open", "find", "answer"):
        raise ValueError(f"unknown tool {tool!r}")
    if pivot and tool != "search" and left.get("search") != 0:
        raise ValueError("this step starts a new line of search: search for something not searched yet")
    if tool != "answer" and left.get(tool) == 0:
        raise ValueError(f"no {tool} calls left")
    if tool == "search":
        if not inp:
            raise ValueError("empty query")
        if norm_query(inp) in {norm_query(q) for q in memo.get("searched") or []}:
            raise ValueError("already searched")
        failed = names_rejected(inp, memo, question)
        if failed:
            raise ValueError(f"{failed!r} was answered and not verified: search for something else")
        return {"tool": "search", "input": inp, "url": ""}
    if tool == "open":  # a page opened before shows its next parts that match the question
        target = _resolve(inp or url, memo)
        if target in (memo.get("exhausted") or []):
            raise ValueError("nothing more on that page matches the question")
        return {"tool": "open", "input": "", "url": target}
    if tool == "find":
        opened = memo.get("opened") or []
        target = _resolve(url, memo) if url and url not in opened else (url or (opened[-1] if opened else ""))
        if not target or not inp:
            raise ValueError("find needs a page and a text")
        return {"tool": "find", "input": inp, "url": target}
    if not memo.get("evidence"):
        raise ValueError("no evidence yet: search and open a page first")
    if answered_this_evidence(memo):  # dig deeper means new evidence first
        raise ValueError("this evidence gave no verified answer: open another result or search first")
    if not inp:
        raise ValueError("empty answer")
    if echo(inp, memo, question):  # it chose to answer; its echo of the question or of a query is no
        inp = ""  # draft to show again (a shown draft anchors the answer step)
    return {"tool": "answer", "input": inp[:200], "url": ""}


def _loose_answer(text: str) -> dict[str, Any]:
    """The fields of an answer whose JSON was cut short (a long quote hitting max_tokens)."""
    out: dict[str, Any] = {}
    for key, pat in (("answer", r'"answer"\s*:\s*"([^"]*)"'), ("source", r'"source"\s*:\s*"?(\d+)'),
                     ("quote", r'"quote"\s*:\s*"([^"]*)')):
        m = re.search(pat, text)
        if m:
            out[key] = m.group(1)
    if not out.get("answer"):
        raise ValueError("no answer in the reply")
    return out


def parse_answer(text: str, memo: dict[str, Any], question: str = "") -> dict[str, Any]:
    try:
        data = _json(text)
    except ValueError:  # json.JSONDecodeError is a ValueError
        data = _loose_answer(text)
    answer = " ".join(str(data.get("answer") or "").split())[:200]
    if not answer:
        raise ValueError("empty answer")
    repeated = echo(answer, memo, question)
    if repeated:
        raise ValueError(f"the answer only repeats {repeated}")
    quote = " ".join(str(data.get("quote") or "").split())[:400]
    shown = (memo.get("evidence") or [])[-SHOWN:]
    source = None
    try:
        i = int(data.get("source"))
        source = shown[i - 1]["url"] if 1 <= i <= len(shown) else None
    except (TypeError, ValueError):
        pass
    if source is None and shown:  # no usable number: the item that holds the quote, else the newest
        source = next((e["url"] for e in shown if quote and quote.lower() in e["text"].lower()), shown[-1]["url"])
    return {"tool": "answer", "answer": answer, "source": source, "quote": quote}


def fallback_answer(memo: dict[str, Any]) -> dict[str, Any]:
    """An answer step with no usable answer: the draft (or "unknown") citing the newest evidence,
    so the attempt counts and the controller decides what to do next."""
    evidence = memo.get("evidence") or []
    return {"tool": "answer", "answer": memo.get("draft") or "unknown",
            "source": evidence[-1]["url"] if evidence else None, "quote": ""}


def more_of(memo: dict[str, Any]) -> str:
    """The page to read further into: the one the last unverified answer cited, while it has parts
    not shown that match the question and fewer than MAX_PARTS of them were shown; else ""."""
    cited = memo.get("cited") or ""
    if not cited or not answered_this_evidence(memo) or cited in (memo.get("exhausted") or []):
        return ""
    return cited if len((memo.get("views") or {}).get(cited, [])) < MAX_PARTS else ""


def names_rejected(query: str, memo: dict[str, Any], question: str = "") -> str:
    """The answer that did not verify which `query` names ("json.loads raises ValueError" after
    `ValueError` failed), or "". A small model's plan holds guessed answers; once one was answered
    and not verified, searching it again only finds the evidence that failed it (dev: json-error's
    pivots searched two such guesses). An answer made of the question's words and stop words is
    never counted (it names nothing the question does not)."""
    asked = set(normalize(question).split()) | STOP_WORDS
    for answer in memo.get("rejected") or []:
        if set(normalize(answer).split()) - asked and contains(query, answer):
            return answer
    return ""


def planned_query(memo: dict[str, Any], question: str, *, or_question: bool = False) -> str:
    """The first planned query (then, with `or_question`, the question itself) not searched yet and
    not naming an answer that did not verify; "" when none."""
    done = {norm_query(q) for q in memo.get("searched") or []}
    todo = (memo.get("checklist") or []) + ([question] if or_question else [])
    return next((q for q in todo if norm_query(q) not in done and not names_rejected(q, memo, question)), "")


def unread(memo: dict[str, Any]) -> list[str]:
    """The current search's results not read yet (neither opened nor looked into with find)."""
    opened = set(memo.get("opened") or [])
    return [r["url"] for r in memo.get("results") or [] if r["url"] not in opened]


def can_read(memo: dict[str, Any], left: dict[str, int | None]) -> bool:
    """Whether the budget can still read something new on this lead: an open call (more of the cited
    page, or an unread result), or with no open left a find call on an unread result."""
    if left.get("open") != 0 and (more_of(memo) or unread(memo)):
        return True
    return left.get("find") != 0 and bool(unread(memo))


def fallback_action(memo: dict[str, Any], left: dict[str, int | None], question: str) -> dict[str, str]:
    """What to do when no sampled action is valid: after an answer that did not verify, read further
    into the page it cited (the search's best result is usually the page that holds the answer, and
    the first view shows two of its many paragraphs); else open the best unread result (with no open
    call left, find the question in it: its closest paragraph), else search the next planned query
    (or the question), else answer."""
    unopened = unread(memo)
    more = more_of(memo)
    can_open, can_find = left.get("open") != 0, left.get("find") != 0
    if more and can_open:
        return {"tool": "open", "input": "", "url": more}
    if unopened and can_open:
        return {"tool": "open", "input": "", "url": unopened[0]}
    if unopened and can_find:  # the opens are spent; find still reads a page's best paragraph, cheaper
        return {"tool": "find", "input": question, "url": unopened[0]}
    todo = planned_query(memo, question, or_question=True)
    if todo and left.get("search") != 0 and (can_open or can_find or not memo.get("evidence")):
        return {"tool": "search", "input": todo, "url": ""}  # (results no call can read add nothing)
    return {"tool": "answer", "input": memo.get("draft") or "", "url": ""}
