"""Does the cited page itself support an answer the model could not quote? The answer occurs in the
page's passage that matches the question best.

A small model often gives the right answer and a quote that does not hold it: a sentence that
describes the answer without naming it, a paraphrase, a quote of its own making. The page it cites
still decides: split the page into passages (`tools.web.tools.passages`), rank them by the words they
share with the question, and accept the answer when it occurs, as whole tokens, in a passage of the
top score. An answer taken from some other part of the page (another function of the same module,
a PEP named in passing) is not in that passage and is not supported.

Tokens keep a dotted number whole ("3.7" is one token, a trailing ".0" dropped: "3.9.0" is 3.9), so
"3" is not found in "New in version 3.7". Words the question already has at the ends of a sentence
answer ("zoneinfo was added in Python 3.9") are dropped only when what is left holds a digit (a
version, a PEP number); otherwise the answer as written must occur.
"""
from __future__ import annotations

import re

from tools.web.tools import ranked_passages

_TOKEN = re.compile(r"\d+(?:\.\d+)+|[0-9a-z]+")
_ZERO = re.compile(r"^(\d+\.\d+)\.0$")
_LEAD = {"python", "version", "in", "the", "module", "function", "class", "method", "pep"}


def tokens(text: str) -> list[str]:
    return [_ZERO.sub(r"\1", t) for t in _TOKEN.findall(str(text).lower())]


def answer_tokens(answer: str, question: str) -> list[list[str]]:
    """The forms of the answer to look for: as written without leading filler ("Python 3.9" → "3.9";
    "PEP 572" keeps "572" as a form too), and without the question's words at its ends when that
    leaves a digit."""
    words = tokens(answer)
    forms = [words] if words else []
    lead = list(words)
    while len(lead) > 1 and lead[0] in _LEAD:
        lead = lead[1:]
    if lead != words:
        forms.append(lead)
    asked = set(tokens(question)) | _LEAD
    core = list(lead)
    while core and core[0] in asked:
        core = core[1:]
    while core and core[-1] in asked:
        core = core[:-1]
    if core and core not in forms and any(ch.isdigit() for ch in " ".join(core)):
        forms.append(core)
    return forms


def _has(seq: list[str], form: list[str]) -> bool:
    n = len(form)
    return any(seq[i:i + n] == form for i in range(len(seq) - n + 1))


def passage_support(page: str, answer: str, question: str) -> str:
    """The passage of `page` that best matches `question` and holds `answer` (its first 200
    characters), or "" when no passage of the top score holds it."""
    ranked = ranked_passages(page, question)
    if not ranked or ranked[0][1] == 0:
        return ""
    forms = answer_tokens(answer, question)
    if not forms:
        return ""
    top = ranked[0][1]
    for _, score, passage in ranked:
        if score < top:
            break
        toks = tokens(passage)
        if any(_has(toks, f) for f in forms):
            return passage[:200]
    return ""
