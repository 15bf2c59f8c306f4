"""The entry of a documentation page that a question is about: what "the part of the page about the
question" means when the question names a documented thing.

Reference pages document one thing per entry: a signature line (`- ast.unparse(ast_obj)`, `- class
pathlib.PurePosixPath(*pathsegments)`, `- exception zoneinfo.InvalidTZPathWarning`) and the lines after it,
up to the next entry; its version notes ("New in version 3.9.") and defaults are part of it. A module's page
opens with its title line ("zipapp — Manage executable Python zip archives"), often with the module's
own notes.
Ranking passages by the words they share with the question does not find an entry: "In which Python version
was ast.unparse() added?" shares "version" and "added" with every "Changed in version 3.8: Added ..." note of
the page, and on dev (`runs/dev18`) the yes/no judge accepted the version such a note held (ast.unparse →
3.8, hashlib.file_digest → 3.9). With the entry ranked first, the passage that holds the gold answer is the
best-ranked one on 41 of dev's 55 gold pages, against 32 by shared words alone (`runs/exp/prank.py`).

A question names an entry when it writes a documented name as code (`json.loads`, `str.isascii()`,
`hashlib.file_digest()`, `PrettyPrinter`; `tools.web.entries`, which the `open` tool also uses to show that
entry first): the entry whose name is that name, or ends with it; that entry is then all of the page
that counts. A question about "the X module" itself (not for a name of one of its members: "Which
function of the X module ..." is answered elsewhere on the page), on a page titled "X — ...", ranks the
page's opening (up to its first signature) first, and the rest of the page after it.
Pages of another shape have no such lines, and nothing changes for them.
"""
from __future__ import annotations

import re

from agents.web.answer_type import asked_kind
from tools.web.entries import signature, titled_name


def module_opening(lines: list[str], question: str) -> tuple[int, int] | None:
    """(0, the first signature line) of a page titled "X — ..." when `question` asks about the module X
    itself (not for the name of one of its members), else None. The opening is where a module's own notes
    usually are, not always: of the 146 library pages titled so that have a bare "New in version N." note,
    the first one is in the first 400 characters on 22, later before the first signature on 14, in the first
    entry on 19 (`graphlib`'s is its only class's), so the opening ranks first but is not all that counts."""
    module = titled_name(lines[0]) if lines else ""
    mentioned = rf"\b{re.escape(module)}\s+module\b|\bmodule\s+{re.escape(module)}\b"
    if not module or asked_kind(question) == "name" or not re.search(mentioned, question, re.I):
        return None
    return 0, next((i for i, line in enumerate(lines) if i and signature(line)), len(lines))
