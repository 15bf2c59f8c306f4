"""Entries of reference pages: a signature line (`- ast.unparse(ast_obj)`, `- class pathlib.PurePosixPath(*args)`,
`- exception zoneinfo.InvalidTZPathWarning`, `- PYTHONPATH`, a command-line option: `- -O`, `- -m <module-name>`,
`- -f, --failfast`) and the lines after it, up to the next one.

Documentation generators (Sphinx, pydoc, rustdoc, javadoc) write one entry per documented thing, and its
notes ("New in version 3.9.", "Changed in version 3.8: ...", defaults) belong to it. Passages are cut at
entry boundaries (`tools.web.tools.passage_lines`), and a text that names a thing as code (`json.loads`,
`str.isascii()`, `PrettyPrinter`, an option: `-O`, `--failfast`) points at the entry of that name (`named_entry`).
Options are case-sensitive (`-b` is not `-B`); other names are not. Nothing here knows a corpus:
a page with no signature lines is plain text.

Tables are reference entries too: a row (`| x // y | floored quotient of x and y | (1) |`, as the HTML
extraction writes a table) documents the expression its first cell writes, and a text that quotes that
expression, operator and all (`tools.web.index.symbol_words`), names that row (`named_row`).
"""
from __future__ import annotations

import re

from tools.web.index import symbol_words

# "- " then optional role words, a (dotted) name, optional arguments and return annotation, nothing else
_SIGNATURE = re.compile(r"^- (?:(?:class|exception|classmethod|staticmethod|abstractmethod|async|coroutine|"
                        r"property|awaitable|method|attribute|data)\s+)*([A-Za-z_][\w.]*)(?:\(.*\))?\s*(?:->.*)?$")
SIGNATURE_CHARS = 160  # a longer line is prose, not a signature
# a command-line option: "-O", "--help", with up to 2 argument words ("-m <module-name>", "-W arg",
# "--check-hash-based-pycs default|always|never"), several spellings separated by commas ("-f, --failfast")
_OPT = r"-{1,2}[A-Za-z?][\w-]*(?:[ =](?:<[^<>]+>|[\w|.=\[\]-]+)){0,2}"
_OPTION = re.compile(rf"^- ({_OPT}(?:, {_OPT})*)$")
# a name written as code: an option, dotted (json.loads), called (isascii()), with an underscore, or in CamelCase
_CODE = re.compile(r"(?<![\w-])-{1,2}[A-Za-z][\w-]*\b|"  # an option: -O, --sort-keys (not "command-line")
                   r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+|[A-Za-z_]\w*(?=\(\))|\b\w*_\w*\b|\b[a-z]+[A-Z]\w*\b|"
                   r"\b[A-Z][a-z]+[A-Z]\w*\b")


def signature(line: str) -> str:
    """The name a signature line documents ("" for any other line)."""
    line = " ".join(line.split())
    if len(line) > SIGNATURE_CHARS:
        return ""
    m = _SIGNATURE.match(line) or _OPTION.match(line)
    return m.group(1) if m else ""


def _spellings(option: str) -> list[str]:
    """The option names a signature lists ("-f, --failfast" -> ["-f", "--failfast"])."""
    return [part.split()[0].split("=")[0] for part in option.split(", ")]


def titled_name(title: str) -> str:
    """The name a reference page is titled after ("zipapp" for "zipapp — Manage executable Python zip
    archives"), or "" for a title of another shape."""
    return title.split(" — ", 1)[0].strip() if " — " in title else ""


def code_names(text: str) -> list[str]:
    """The names `text` writes as code, in order."""
    return [n for n in (m.group(0) for m in _CODE.finditer(text)) if n.strip("_")]


def names(documented: str, name: str) -> bool:
    """Does `name` (as a text writes it) name the entry of `documented`: the same name, or its unqualified
    end; a dotted entry may be the end of a longer name (`Path.exists` for `pathlib.Path.exists`)?
    `http.server` does not name an attribute `server`. An option names its entry by any of its spellings,
    case and all."""
    if documented.startswith("-") or name.startswith("-"):
        return name in _spellings(documented)
    d, n = documented.lower(), name.lower()
    return d == n or d.endswith("." + n) or ("." in d and n.endswith("." + d))


def named_entry(lines: list[str], text: str) -> tuple[int, int] | None:
    """(first line, end line) of the first entry in `lines` that `text` names as code, or None. An entry
    may list several signatures (`next(iterator)`, `next(iterator, default)`): they and the lines after
    them, up to the next signature, are the entry."""
    wanted = code_names(text)
    if not wanted:
        return None
    heads = [(i, signature(line)) for i, line in enumerate(lines)]
    heads = [(i, name) for i, name in heads if name]
    starts = {i for i, _ in heads}
    for i, name in heads:
        if any(names(name, n) for n in wanted):
            end = i + 1
            while end in starts:
                end += 1
            return i, next((j for j, _ in heads if j > end), len(lines))
    return None


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")] if line.startswith("|") else []


def named_row(lines: list[str], text: str) -> tuple[int, int] | None:
    """(header line, row line) of the first table row in `lines` whose first cell `text` quotes whole, an
    expression with an operator or short option (`x // y`; a bare `**` cell is not one: dev
    `dict-display-unpack` asks about `**` in a dictionary display, not the power operator's row), or None.
    The header is the row above the table's `|---|` line (the row itself when there is none)."""
    wanted = set(symbol_words(text))
    if not wanted:
        return None
    said, header = " ".join(text.split()), None
    for i, line in enumerate(lines):
        cells = _cells(line)
        if not cells:
            header = None
            continue
        below = "".join(_cells(lines[i + 1])) if i + 1 < len(lines) else ""
        if "-" in below and set(below) <= set("-: "):
            header = i  # the next line is the table's |---|---| separator
        elif len(cells) >= 2 and re.search(r"\w", cells[0]) and wanted & set(symbol_words(cells[0])) \
                and re.search(rf"(?<!\w){re.escape(cells[0])}(?!\w)", said):
            return (i if header is None else header), i
    return None
