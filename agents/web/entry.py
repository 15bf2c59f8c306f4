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
`hashlib.file_digest()`, `PrettyPrinter`; `tools.web.entries`, which the `open` tool also uses to show that
entry first): the entry whose name is that name, or ends with it. It names a module's opening when it asks about "the X module" itself (not for a name of one of its members: "Which
function of the X module ..." is answered elsewhere on the page) and the page's title is "X — ...".
Pages of another shape have no such lines, and nothing changes for them.
"""
from __future__ import annotations

import re

from agents.web.answer_type import asked_kind
from tools.web.entries import named_entry, signature

OPENING_CHARS = 400  # a module's opening: its title line and the lines after it up to this many characters


def entry_span(lines: list[str], question: str) -> tuple[int, int] | None:
    """(first line, end line) of the entry of `lines` (a page's non-empty lines) that `question` is about,
    or None: the entry of a name the question writes as code (`tools.web.entries.named_entry`); else the
    module's opening (its title line and what follows it, up to `OPENING_CHARS` and before any signature)
    when the question asks about that module itself."""
    span = named_entry(lines, question)
    if span:
        return span
    title = lines[0] if lines else ""
    module = title.split(" — ", 1)[0].strip() if " — " in title else ""
    mentioned = rf"\b{re.escape(module)}\s+module\b|\bmodule\s+{re.escape(module)}\b"
    if not module or asked_kind(question) == "name" or not re.search(mentioned, question, re.I):
        return None
    end, size = 1, len(title)
    while end < len(lines) and not signature(lines[end]) and size + 1 + len(lines[end]) <= OPENING_CHARS:
        size += 1 + len(lines[end])
        end += 1
    return 0, end
