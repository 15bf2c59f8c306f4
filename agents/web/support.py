"""Does the cited page itself support an answer the model could not quote? The answer occurs in the
page's passage that matches the question best.

A small model often gives the right answer and a quote that does not hold it: a sentence that
describes the answer without naming it, a paraphrase, a quote of its own making. The page it cites
still decides: split the page into passages (`tools.web.tools.passages`), rank them by the words they
share with the question, and accept the answer when it occurs, as whole tokens, in a passage of the
top score or in its heading. An answer taken from some other part of the page (another function of
the same module, a PEP named in passing) is not there and is not supported. The same test, over the
passages of the two best scores, is what a real quote needs besides: a quote the model copied from
anywhere on the page proves only that the page has those words (dev: "Context Managers in Python"
from a quote about context managers, for the class that declares a context variable).

Tokens keep a dotted number whole ("3.7" is one token, a trailing ".0" dropped: "3.9.0" is 3.9), so
"3" is not found in "New in version 3.7". Words the question already has at the ends of a sentence
answer ("zoneinfo was added in Python 3.9") are dropped only when what is left holds a digit (a
version, a PEP number); otherwise the answer as written must occur.
"""
from __future__ import annotations

import re
from itertools import accumulate

from agents.web.entry import module_opening
from agents.web.quotes import trim
from tools.web.entries import named_entry, named_row, signature
from tools.web.tools import passage_lines, rank

_TOKEN = re.compile(r"\d+(?:\.\d+)+|[0-9a-z]+")
_ZERO = re.compile(r"^(\d+\.\d+)\.0$")
HEADING_CHARS = 100  # a passage's heading: the line before it, when no longer than this
ENTRY_CHARS = 1200  # the passages of the entry a question names (an entry is read whole when it fits)
CLIP_CHARS = 200  # how much of a supporting passage the verifier keeps (the judge's passage, the feedback)
_LEAD = {"python", "version", "in", "the", "module", "function", "class", "method", "pep"}


# English function words: an answer made only of these names nothing (the passage rule would find "the");
# "yes", "no" and "not" are left out: they answer yes/no questions
STOP = frozenset("a an and are as at be by can do does for from has have how i if in into is it its may "
                 "of on or so such than that the their then there these this to use used was were what when "
                 "where which who why will with you".split())


def empty_answer(answer: str, question: str) -> str:
    """Why `answer` names nothing ("" when it does): it is only function words, or only the question's
    own words (unless they are a choice the question offers: "X or Y?")."""
    words = set(tokens(answer))
    if words <= STOP:
        return "the answer names nothing" if words else "the answer is empty"
    asked = tokens(question)
    # a choice the question offers ("X or Y?"): the words next to its "or" (not any "or": "the difference
    # between two dates or times" offers no choice of "duration")
    offered = {w for i, t in enumerate(asked) if t == "or" for w in asked[max(0, i - 3):i + 4]}
    if words <= set(asked) | STOP | _LEAD and not words <= offered | STOP:
        return "the answer only repeats the question's words"
    return ""


def tokens(text: str) -> list[str]:
    return [_ZERO.sub(r"\1", t) for t in _TOKEN.findall(str(text).lower())]


def answer_tokens(answer: str, question: str) -> list[list[str]]:
    """The forms of the answer to look for: as written without leading filler ("Python 3.9" → "3.9";
    "PEP 572" keeps "572" as a form too), and without the question's words at its ends when that
    leaves a digit."""
    words = tokens(answer)
    forms = [words] if words else []
    lead, core = trim(words, _LEAD, set(tokens(question)) | _LEAD)
    if lead != words:
        forms.append(lead)
    if core and core not in forms and any(ch.isdigit() for ch in " ".join(core)):
        forms.append(core)
    return forms


def _has(seq: list[str], form: list[str]) -> bool:
    n = len(form)
    return any(seq[i:i + n] == form for i in range(len(seq) - n + 1))


def question_passages(page: str, question: str, top: int = 1) -> list[tuple[int, str]]:
    """(tier, passage) for the passages of `page` with the `top` best scores for `question` (words
    shared; tier 1 is the best score), best first, each led by its heading: the previous passage's last
    line when it is short (docs put a function's name on the line before its description:
    "textwrap.dedent(text)" / "Remove any common leading whitespace ..."). The entry the question names
    (`tools.web.entries.named_entry`), when the page has one, is that part alone: its passages (up to
    `ENTRY_CHARS` each, every one led by the entry's signature line) are the only ones ranked; so is the
    table row the question names by its operator (`named_row`), led by its table's header row. The best
    passage of a module's opening the question asks about (`agents.web.entry.module_opening`) ranks first."""
    lines = [" ".join(line.split()) for line in page.splitlines() if line.strip()]
    span = named_entry(lines, question)
    row = None if span else named_row(lines, question)
    if span:  # the entry's passages, each led by its signature; the rest of the page does not count
        first, end = span
        groups = passage_lines("\n".join(lines[first:end]), ENTRY_CHARS)
        groups = [g if k == 0 else [lines[first], *g] for k, g in enumerate(groups)]
    elif row:  # the table row the question names, under its table's header row
        groups = [[lines[k] for k in dict.fromkeys(row)]]
    else:
        groups = passage_lines("\n".join(lines))
    named = bool(span or row)
    ranked = rank([" ".join(g) for g in groups], question)
    lead = set(range(len(groups))) if named else set()
    opening = None if named else module_opening(lines, question)
    if opening and ranked:  # the opening's best passage first, then every passage by its score
        starts = [0, *accumulate(len(g) for g in groups)]  # each paragraph's first line
        best = next(t for t in ranked if starts[t[0]] < opening[1])
        ranked = [best, *(t for t in ranked if t is not best)]
        lead = {best[0]}
    levels = sorted({(i in lead, s) for i, s, _ in ranked if s > 0 or i in lead}, reverse=True)[:top]
    out = []
    for i, score, passage in ranked:
        if (i in lead, score) not in levels:
            break
        # a passage that starts at a signature needs no heading; an entry's passages have theirs
        before = groups[i - 1][-1] if i > 0 and not named and not signature(groups[i][0]) else ""
        heading = before if len(before) <= HEADING_CHARS else ""
        out.append((levels.index((i in lead, score)) + 1, f"{heading} {passage}".strip()))
    return out


def supporting_passage(page: str, answer: str, question: str, top: int = 2) -> tuple[int, str]:
    """(tier, `CLIP_CHARS` of it that show the answer) of the best of `question_passages` that holds
    `answer`, or (0, "") when none of the `top` best scores does. One split and ranking of the page answers
    both of the verifier's questions: is the answer in the part about the question (any tier), in the best
    passage (tier 1)?"""
    forms = answer_tokens(answer, question)
    if not forms or not page:
        return 0, ""
    for tier, passage in question_passages(page, question, top):
        toks = tokens(passage)
        if any(_has(toks, f) for f in forms):
            return tier, clip(passage, forms)
    return 0, ""


def clip(passage: str, forms: list[list[str]]) -> str:
    """The passage's first `CLIP_CHARS` characters, or, when the answer first occurs past them (an entry's
    version note at its end), its first line's start and the text around the answer."""
    head = passage[:CLIP_CHARS]
    if any(_has(tokens(head), f) for f in forms):
        return head
    for form in forms:
        m = re.search(r"(?<![\w.])" + r"\W+".join(map(re.escape, form)) + r"(?![\w])", passage.lower())
        if m:
            half = CLIP_CHARS // 2
            start = max(half, m.start() - half // 2)
            return f"{passage[:half].rstrip()} … {passage[start:start + half].strip()}"
    return head


def agrees(answer: str, said: str, question: str) -> bool:
    """Do two answers name the same thing: the words of one that are not function words, filler or
    the question's own are all in the other ("textwrap.dedent" and "dedent()", "3.6" and "Python 3.6";
    not "struct.iter_unpack" and "struct.calcsize")."""
    drop = STOP | _LEAD | set(tokens(question))
    a, s = set(tokens(answer)), set(tokens(said))
    ca, cs = a - drop, s - drop
    return bool(ca and cs) and (ca <= s or cs <= a)
