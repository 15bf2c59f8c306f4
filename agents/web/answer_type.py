"""Does an answer have the kind the question asks for? A check before any evidence is read.

A question that asks for a named thing ("Which function ...", "Which built-in exception type ...",
"Which environment variable ...", "Which command-line option ...") is answered by a name: one word
or a dotted or called name (`tempfile.gettempdir()`), perhaps with a word or two around it ("the
`suppress` context manager"). A sentence ("os.read() is a low-level function which takes a file
descriptor ...") or a phrase of plain words ("Data classes") is not a name, though the page may hold
every one of its words: on dev's last 20 questions (round 13) such answers verified by their quote or
by the page's best passage and were all wrong. A question that asks for a number ("Which PEP ...",
"In which Python version ...", "On which port ...", "How many times ...") is answered by one, in
digits or words.

The check is by form only, never by a list of known names, so it holds for any corpus; questions of
other kinds ("What does X default to?") are not checked for kind. Any answer longer than its quote may
be (`MAX_ANSWER_WORDS`, the answer prompt's limit for the quote) is a sentence copied from the page, not
a short answer (`not_short`): in the dev runs on disk (rounds 19, 20, 22 and 23; 300 answers proposed) 14 answers
were that long, 2 of them right and none verified but one, wrong ("A set display is denoted by curly
braces and distinguishable from dictionary displays ..." for "What does a double asterisk ** denote in a
dictionary display?", after the right "dictionary unpacking" had not verified; it ended the run).
"""
from __future__ import annotations

import re

from tools.web.entries import titled_name

_NAMED = ("exception", "function", "method", "class", "module", "package", "option", "flag", "variable",
          "attribute", "argument", "parameter", "keyword", "decorator", "context manager", "constant",
          "type", "command", "field", "property")
_NUMBERED = ("pep", "version", "release", "port", "year", "number", "code")
# at the question's start (after at most two words: "In which", "Of what"), "which" or "what", up to
# three words (a qualifier: "built-in", "itertools", "-X", "command-line"; no verb: "What does the timeout
# argument default to?" asks for a value), the kind asked; a "which" further in is a relative pronoun
# ("the module which provides ...") and asks nothing
_VERB = r"(?!(?:does|do|did|is|are|was|were|can|could|will|would|should|has|have|had)\b)"
_ASKS = re.compile(r"^\s*(?:\w+\s+){0,2}?(?:which|what)\b((?:\s+" + _VERB + r"[\w.\-`]+){0,3}?)\s+("
                   + "|".join(_NAMED + _NUMBERED) + r")\b", re.I)
_HOW_MANY = re.compile(r"^\s*(?:\w+\s+){0,2}?how\s+(?:many|much|long|often)\b", re.I)
_NUMBER_WORDS = frozenset("zero one two three four five six seven eight nine ten eleven twelve twenty "
                          "hundred thousand million billion once twice".split())
_FILLER = frozenset("a an the its their built in builtin".split())
MAX_NAME_WORDS = 3  # what a name may carry around it ("PicklingError from pickle") before it is a sentence
MAX_ANSWER_WORDS = 12  # the most words an answer's quote may hold (the answer prompt says so)


def _asked(question: str) -> tuple[str, str]:
    """(kind, the word that names it): ("number", "how many"), ("name", "function"), ("", "")."""
    if _HOW_MANY.search(question):
        return "number", "how many"
    m = _ASKS.search(question)
    if not m:
        return "", ""
    word = m.group(2).lower()
    return ("number" if word in _NUMBERED else "name"), word


def asked_kind(question: str) -> str:
    """"name", "number" or "" (not checked): what the question's first "which/what <kind>" asks for."""
    return _asked(question)[0]


def _code_like(word: str) -> bool:
    """A word written as code: with `_ . ( ) -` or a digit, or a capital after its first letter
    (`PicklingError`, `PYTHONSAFEPATH`), or in backticks."""
    return bool(re.search(r"[_.()\-\d`]", word) or re.search(r"^.[^A-Z]*[A-Z]", word))


def kind_mismatch(answer: str, question: str) -> str:
    """Why `answer` is not of the kind `question` asks for ("" when it is, or the kind is not checked)."""
    kind, word = _asked(question)
    text = str(answer).strip().strip("'\"").rstrip(".")
    if not kind or not text:
        return ""
    if kind == "number":
        words = re.findall(r"[a-z]+", text.lower())
        if re.search(r"\d", text) or any(w in _NUMBER_WORDS for w in words):
            return ""
        return "the question asks for a number, and the answer holds none"
    asked = word.split()
    words = [w for w in text.split() if w.lower().strip("`,:;") not in _FILLER | set(asked)
             and w.lower().rstrip("s") not in asked]
    if len(words) == 1 or (len(words) <= MAX_NAME_WORDS and any(_code_like(w) for w in words)):
        return ""
    kind_word = " ".join(asked)
    article = "an" if kind_word[0] in "aeiou" else "a"
    return f"the question asks for the name of {article} {kind_word}: answer with that name alone, not a sentence or phrase"


def not_short(answer: str) -> str:
    """Why `answer` is no short answer ("" when it is): more words than its quote may hold."""
    n = len(str(answer).split())
    if n <= MAX_ANSWER_WORDS:
        return ""
    return (f"the answer is a sentence of {n} words, not a short answer: answer with the name, number or "
            f"phrase the question asks for (at most {MAX_ANSWER_WORDS} words)")


def names_the_subject(answer: str, question: str, title: str) -> str:
    """Why `answer` is wrong for a question that asks for a member of a module or package ("Which
    function of the module that ...", "Which class of the datetime module ..."): it is the name the cited
    page is about (its title's "name — description", as documentation pages are titled). "" otherwise.
    On dev (round 14) the 0.5B answered "dataclasses" and "glob" this way, and both verified."""
    kind, word = _asked(question)
    subject = titled_name(title)
    if kind != "name" or word in ("module", "package") or not subject:
        return ""
    if not re.search(r"\b(?:module|package)s?\b", question, re.I) or len(subject.split()) != 1:
        return ""
    core = [w for w in re.findall(r"[\w.]+", str(answer).lower()) if w not in _FILLER | {"module", "package"}]
    if core == [subject.lower()]:
        return (f"{answer!r} is the module the page is about; the question asks for a {word} "
                "of it: answer with that name")
    return ""
