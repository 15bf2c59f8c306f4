"""Does a quoted span come from the page it cites? Matching that accepts what a small model really
copies out of the evidence it was shown, and rejects what it makes up.

Both sides are normalized (case, punctuation and whitespace ignored, a version's trailing ".0"
dropped: "3.9.0" is the 3.9 release; see `_norm`). A quote is accepted when either
- all of it is on the page: split at ellipses ("…" or "..."; the evidence shows the parts of a page
  joined by " … ", and models copy across that join), every part is found on the page, in order;
  a part's last word may be cut short if it is letters only (the prompt truncates the evidence, or the answer ran past
  its token limit), and a last part of fewer than `MIN_WORDS` words is such a cut tail and ignored;
- or, when the whole quote is not found but it contains the answer, a span of the quote around
  the answer (up to `AROUND` words each side, at least `MIN_SPAN` words in all) is on the page.
Every part needs `MIN_WORDS` words, so a made-up sentence that shares a few words with the page
fails, and a quote needs at least `MIN_WORDS` words at all.
"""
from __future__ import annotations

import re

_NON_WORD = re.compile(r"[^0-9a-z]+")
_ELLIPSIS = re.compile(r"…|\.\.\.+")
MIN_WORDS = 3
AROUND = 5
MIN_SPAN = 6


def normalize(text: str) -> str:
    return " ".join(_NON_WORD.sub(" ", str(text).lower()).split())


# a version's trailing ".0" ("3.9.0" is the 3.9 release): pages say "New in version 3.9", models answer "3.9.0"
_TRAILING_ZERO = re.compile(r"(?<![\w.])(\d+\.\d+)\.0(?![\w.]*\w)")


def _norm(text: str) -> str:
    """`normalize` for matching answers and quotes against pages: also "3.9.0" → "3 9"."""
    return normalize(_TRAILING_ZERO.sub(r"\1", str(text)))


def contains(haystack: str, needle: str) -> bool:
    n = normalize(needle)
    return bool(n) and f" {n} " in f" {normalize(haystack)} "


_LEAD = {"python", "version", "in", "the", "module"}


def answer_forms(answer: str, question: str = "") -> list[list[str]]:
    """The answer's words without leading filler ("Python 3.9" → "3 9"), then, for an answer written
    as a sentence ("zoneinfo module added in Python 3.9"), without the words at either end that the
    question already has: what the answer adds."""
    words, core = trim(_norm(answer).split(), _LEAD, set(_norm(question).split()) | _LEAD)
    forms = [words] if words else []
    if core and core != words:
        forms.append(core)
    return forms


def trim(words: list[str], lead: set[str], asked: set[str]) -> tuple[list[str], list[str]]:
    """(`words` without leading filler words in `lead`, keeping one; that without the words in `asked`
    at either end)."""
    words = list(words)
    while len(words) > 1 and words[0] in lead:
        words = words[1:]
    core = list(words)
    while core and core[0] in asked:
        core = core[1:]
    while core and core[-1] in asked:
        core = core[:-1]
    return words, core


def answer_in(text: str, answer: str, question: str = "") -> bool:
    """The answer occurs in `text` as whole words (see `answer_forms`)."""
    padded = f" {_norm(text)} "
    return any(f" {' '.join(w)} " in padded for w in answer_forms(answer, question))


def _find(page: str, words: list[str], start: int) -> int:
    """End offset in `page` (normalized, space-padded) of `words` found from `start`, the last word
    allowed to be cut short when it is letters only; -1 when absent."""
    cut = "[a-z]*" if words[-1].isalpha() else ""  # a cut number could pass for another ("3 1" of "3 11")
    pattern = " " + " ".join(map(re.escape, words)) + cut + " "
    m = re.compile(pattern).search(page, start)
    return m.end() - 1 if m else -1


def _parts(quote: str) -> list[list[str]]:
    parts = [_norm(p).split() for p in _ELLIPSIS.split(str(quote))]
    parts = [p for p in parts if p]
    if len(parts) > 1 and len(parts[-1]) < MIN_WORDS:
        parts.pop()  # a tail cut off after an ellipsis
    return parts


def whole_quote_found(page: str, quote: str) -> str:
    """The quote's parts (normalized, a cut tail left out) when all are on the page in order, else ""."""
    parts = _parts(quote)
    if not parts or any(len(p) < MIN_WORDS for p in parts):
        return ""
    padded, at = f" {_norm(page)} ", 0
    for p in parts:
        at = _find(padded, p, at)
        if at < 0:
            return ""
    return " … ".join(" ".join(p) for p in parts)


def span_around_answer(page: str, quote: str, answer: str, question: str = "") -> str:
    """Some span of the quote around the answer (where it first occurs; up to `AROUND` words each
    side, `MIN_SPAN` words at least) is on the page: the model copied the words next to the answer
    and changed the rest."""
    q = _norm(quote).split()
    found = [(i, a) for a in answer_forms(answer, question) for i in range(len(q) - len(a) + 1) if q[i:i + len(a)] == a]
    if not found:
        return ""
    at, a = found[0]
    padded = f" {_norm(page)} "
    for before in range(min(AROUND, at), -1, -1):
        for after in range(min(AROUND, len(q) - at - len(a)), -1, -1):
            span = q[at - before:at + len(a) + after]
            if len(span) < MIN_SPAN:
                continue
            if at + len(a) + after == len(q):  # ends where the quote ends: its last word may be cut
                if _find(padded, span, 0) >= 0:
                    return " ".join(span)
            elif f" {' '.join(span)} " in padded:
                return " ".join(span)
    return ""


def match_quote(page: str, quote: str, answer: str = "", question: str = "") -> tuple[str, str]:
    """(how, found): how is "whole", "span" or "" (not on the page); found is the part of the quote
    found on the page (normalized): check the answer against it, not the raw quote, so an answer in
    a dropped tail does not count."""
    if not page or len(_norm(quote).split()) < MIN_WORDS:
        return "", ""
    whole = whole_quote_found(page, quote)
    if whole:
        return "whole", whole
    span = span_around_answer(page, quote, answer, question)
    return ("span", span) if span else ("", "")


def quote_on_page(page: str, quote: str, answer: str = "", question: str = "") -> str:
    return match_quote(page, quote, answer, question)[1]


def quoted_item(answer: dict, items: list[dict]) -> str | None:
    """The URL of the newest evidence item (`{url, text}`) that holds an answer's whole quote, when the item it
    cites does not: a small model quotes one excerpt and cites another's number. None when the cited item holds
    it (or no item does)."""
    quote = answer.get("quote") or ""
    if not quote or any(e["url"] == answer.get("source") and whole_quote_found(e["text"], quote) for e in items):
        return None
    return next((e["url"] for e in reversed(items) if e["url"] != answer.get("source")
                 and whole_quote_found(e["text"], quote)), None)
