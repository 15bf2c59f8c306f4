"""The entry of a documentation page that a question is about: what "the part of the page about the
question" means when the question names a documented thing.

Reference pages document one thing per entry: a signature line (`- ast.unparse(ast_obj)`, `- class
pathlib.PurePosixPath(*pathsegments)`, `- exception zoneinfo.InvalidTZPathWarning`) and the lines after it,
up to the next entry; its version notes ("New in version 3.9.") and defaults are part of it. A module's page
opens with its title line ("zipapp — Manage executable Python zip archives") and the module's own notes.
Ranking passages by the words they share with the question does not find an entry: "In which Python version
was ast.unparse() added?" shares "version" and "added" with every "Changed in version 3.8: Added ..." note of
the page, and on dev (`runs/dev18`) the yes/no judge accepted the version such a note held (ast.unparse →
3.8, hashlib.file_digest → 3.9). With the entry ranked first, the passage that holds the gold answer is the
best-ranked one on 41 of dev's 55 gold pages, against 32 by shared words alone (`runs/exp/prank.py`).

A question names an entry when it writes a documented name as code (`json.loads`, `str.isascii()`,
`hashlib.file_digest()`, `PrettyPrinter`): the entry whose name is that name, or ends with it. It names a
module's opening when it asks about "the X module" itself (not for a name of one of its members: "Which
function of the X module ..." is answered elsewhere on the page) and the page's title is "X — ...".
Pages of another shape have no such lines, and nothing changes for them.
"""
from __future__ import annotations

import re

from agents.web.answer_type import asked_kind

# a signature line: "- " then an optional role word, a (dotted) name, optional arguments and return annotation
_HEAD = re.compile(r"^- (?:(?:class|exception|classmethod|staticmethod|abstractmethod|async|coroutine|property|"
                   r"awaitable|method|attribute|data)\s+)*([A-Za-z_][\w.]*)(?:\(.*\))?\s*(?:->.*)?$")
HEAD_CHARS = 160  # a longer line is prose, not a signature
OPENING_CHARS = 400  # a module's opening: its title line and the lines after it up to this many characters
# a name written as code: dotted (json.loads), called (isascii()), with an underscore, or in CamelCase
_CODE = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+|[A-Za-z_]\w*(?=\(\))|\b\w*_\w*\b|\b[a-z]+[A-Z]\w*\b|"
                   r"\b[A-Z][a-z]+[A-Z]\w*\b")


def code_names(question: str) -> list[str]:
    """The names `question` writes as code, in order."""
    return [n for n in (m.group(0) for m in _CODE.finditer(question)) if n.strip("_")]


def heads(lines: list[str]) -> list[tuple[int, str]]:
    """(line index, documented name) of every signature line."""
    out = []
    for i, line in enumerate(lines):
        m = _HEAD.match(line) if len(line) <= HEAD_CHARS else None
        if m:
            out.append((i, m.group(1)))
    return out


def _names(head: str, name: str) -> bool:
    """Does the question's `name` name the entry `head` (the same name, or its unqualified end; a dotted head
    may be the end of a longer name: `Path.exists` for `pathlib.Path.exists`)?"""
    h, n = head.lower(), name.lower()
    return h == n or h.endswith("." + n) or ("." in h and n.endswith("." + h))


def entry_span(lines: list[str], question: str) -> tuple[int, int] | None:
    """(first line, end line) of the entry of `lines` (a page's non-empty lines) that `question` is about,
    or None: a signature named by the question, with the signature lines right after it (one entry may
    list several: `next(iterator)`, `next(iterator, default)`), up to the next signature; else the module's
    opening (its title line and what follows it, up to `OPENING_CHARS` and before any signature) when the question asks about that module itself."""
    found = heads(lines)
    names = code_names(question)
    for k, (i, head) in enumerate(found):
        if not any(_names(head, n) for n in names):
            continue
        end, rest = i + 1, [j for j, _ in found[k + 1:]]
        while end in rest:
            end += 1
        later = [j for j in rest if j > end]
        return i, later[0] if later else len(lines)
    title = lines[0] if lines else ""
    module = title.split(" — ", 1)[0].strip() if " — " in title else ""
    if module and asked_kind(question) != "name" and re.search(rf"\b{re.escape(module)}\s+module\b|\bmodule\s+{re.escape(module)}\b", question, re.I):
        end, size = 1, len(title)
        while end < len(lines) and end not in {j for j, _ in found[:1]} and size + 1 + len(lines[end]) <= OPENING_CHARS:
            size += 1 + len(lines[end])
            end += 1
        return 0, end
    return None
