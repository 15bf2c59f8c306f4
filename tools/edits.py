"""Edits a model can follow, applied with tolerant matching and one-line errors.

Formats: whole-file rewrite, whole-function rewrite (located by name with `ast`), and
SEARCH/REPLACE blocks (matched exactly, then ignoring trailing whitespace, then indentation).
Every edit produces new file text; `unified_diff` turns it into a patch `git apply` accepts.
"""
from __future__ import annotations

import ast
import difflib
import re
import textwrap

from tools.repo import symbols

_BLOCK = re.compile(r"```[ \t]*([\w+-]*)[^\n]*\n(.*?)(?:\n```|\Z)", re.S)
# an opening fence with nothing after its language tag: a reply that quotes the instruction ("... in one
# ```python block, changing ...") before its code has a ``` in a sentence, which the loose pattern takes
# for the block's start (and the real opening fence for its end)
_STRICT_BLOCK = re.compile(r"```[ \t]*([\w+-]*)[ \t]*\n(.*?)(?:\n[ \t]*```|\Z)", re.S)
_SR = re.compile(r"<{5,9} ?SEARCH\s*\n(.*?)\n?={5,9}\s*\n(.*?)\n?>{5,9} ?REPLACE", re.S)


class EditError(ValueError):
    """The edit could not be applied; the message says why in one line."""


def _fenced(text: str) -> list[tuple[str, str]]:
    """(language tag, code) of the non-empty fenced blocks (closed or running to the end of the text):
    those whose opening fence has nothing after its language tag, else any."""
    for pattern in (_STRICT_BLOCK, _BLOCK):
        found = [(lang, b.rstrip("\n")) for lang, b in pattern.findall(text) if b.strip()]
        if found:
            return found
    return []


def code_blocks(text: str) -> list[str]:
    """Fenced code blocks (`_fenced`); the whole text if there are none."""
    blocks = [b for _, b in _fenced(text)]
    return blocks or ([text] if text.strip() and "```" not in text else [])


def rewrite_file(old: str, reply: str, *, min_keep: float = 0.6) -> str:
    """The largest code block of `reply` as the new file. Rejects text that does not parse and
    rewrites that drop most of the file (models elide with `...` or stop early); a reply that gives
    only some of the file's functions or methods (a common small-model answer to "rewrite the whole
    file") has those definitions spliced into the file instead."""
    blocks = code_blocks(reply)
    if not blocks:
        raise EditError("no code block in the reply")
    new = max(blocks, key=len).rstrip("\n") + "\n"
    old_lines, new_lines = len(old.splitlines()), len(new.splitlines())
    if old_lines >= 10 and new_lines < min_keep * old_lines:
        try:
            return splice_definitions(old, reply)
        except EditError:
            _must_parse(new)
            raise EditError(f"rewrite has {new_lines} lines where the file has {old_lines}: it looks truncated, "
                            "and it redefines none of the file's functions") from None
    _must_parse(new)
    return new


def splice_definitions(old: str, reply: str) -> str:
    """Replace each function or method of `old` that the reply's code blocks define again (matched
    by qualified name, else by a unique short name) with the reply's version."""
    known = [s.name for s in symbols(old) if s.kind in ("function", "method")]
    new = old
    for block in code_blocks(reply):
        src = textwrap.dedent(block)
        for sym in symbols(src):
            if sym.kind not in ("function", "method"):
                continue
            short = sym.name.rsplit(".", 1)[-1]
            same = [n for n in known if n.rsplit(".", 1)[-1] == short]
            target = sym.name if sym.name in known else (same[0] if len(same) == 1 else None)
            if target is not None:
                new = _replace_def(new, target, textwrap.dedent(sym.text(src)))
    if new == old:
        raise EditError("the reply redefines none of the file's functions")
    return new


def rewrite_function(old: str, name: str, reply: str, *, others: bool = False) -> str:
    """Replace function/method `name` (`f` or `Class.f`) in `old` with the definition in `reply`.
    The reply's indentation is normalized to the original's. `others`: a reply that defines no `name`
    but redefines other functions of `old` gets those spliced in (shown the whole file, a model may fix
    another function than the localized one: 1 of 25 replies of a dev best-of-N cell)."""
    short = name.rsplit(".", 1)[-1]
    for block in code_blocks(reply):
        src = textwrap.dedent(block)
        for sym in symbols(src):
            if sym.name.rsplit(".", 1)[-1] == short and sym.kind in ("function", "method"):
                return _replace_def(old, name, textwrap.dedent(sym.text(src)))
    if not any(s.name == name or s.name.endswith("." + name) for s in symbols(old)):
        raise EditError(f"function {name!r} not found in the file")
    if others:
        return splice_definitions(old, reply)
    raise EditError(f"the reply has no definition of {short!r}")


def _replace_def(old: str, name: str, code: str) -> str:
    """`old` with the definition of `name` replaced by `code`, re-indented to the original's level."""
    target = next((s for s in symbols(old) if s.name == name or s.name.endswith("." + name)), None)
    if target is None:
        raise EditError(f"function {name!r} not found in the file")
    old_lines = old.splitlines(keepends=True)
    first = old_lines[target.start - 1]
    indent = first[: len(first) - len(first.lstrip())]
    new_def = "".join(indent + line if line.strip() else line for line in code.splitlines(keepends=True))
    if not new_def.endswith("\n"):
        new_def += "\n"
    new = "".join(old_lines[: target.start - 1]) + new_def + "".join(old_lines[target.end:])
    _must_parse(new)
    return new


def search_replace(files: dict[str, str], reply: str, resolve) -> dict[str, str]:
    """Apply SEARCH/REPLACE blocks. Each block is preceded by its file path on its own line;
    `resolve(path) -> real path | None` does tolerant path matching. Returns the changed files."""
    out: dict[str, str] = {}
    pos = 0
    found = False
    for m in _SR.finditer(reply):
        found = True
        header = reply[pos: m.start()].strip().splitlines()
        pos = m.end()
        mentioned = next((h.strip().strip("`*#: ") for h in reversed(header) if h.strip().strip("`").strip()
                          and not h.strip().startswith("```")), "")
        path = resolve(mentioned) if mentioned else None
        if path is None:
            raise EditError(f"SEARCH/REPLACE block names no known file ({mentioned!r})")
        text = out.get(path, files[path])
        out[path] = _replace_once(text, m.group(1), m.group(2), path)
    if not found:
        raise EditError("no SEARCH/REPLACE block in the reply")
    for path, text in out.items():
        if path.endswith(".py"):
            _must_parse(text)
    return out


def _replace_once(text: str, search: str, replace: str, path: str) -> str:
    if search and text.count(search) == 1:
        return text.replace(search, replace, 1)
    lines = text.splitlines(keepends=True)
    want = search.splitlines()
    for norm in (str.rstrip, str.strip):
        hits = [i for i in range(len(lines) - len(want) + 1)
                if all(norm(lines[i + j].rstrip("\n")) == norm(w) for j, w in enumerate(want))]
        if len(hits) == 1:
            i = hits[0]
            first = lines[i]
            indent = first[: len(first) - len(first.lstrip())]
            rep = replace.splitlines()
            if norm is str.strip and rep:  # re-indent the replacement like the matched text
                base = len(rep[0]) - len(rep[0].lstrip())
                rep = [indent + r[base:] if r.strip() else r for r in rep]
            return "".join(lines[:i]) + "".join(r + "\n" for r in rep) + "".join(lines[i + len(want):])
        if len(hits) > 1:
            raise EditError(f"SEARCH text matches {len(hits)} places in {path}; include more context")
    raise EditError(f"SEARCH text not found in {path}")


def diff_block(reply: str) -> str | None:
    """The first code block of `reply` that is a unified diff (asked for code, models shown a
    previous attempt as a diff often answer with one), else None."""
    for lang, block in _fenced(reply):
        lines = block.splitlines()
        if lang.lower() in ("diff", "patch", "udiff") or any(line.startswith("@@") for line in lines) or (
                any(line.startswith("--- ") for line in lines) and any(line.startswith("+++ ") for line in lines)):
            return block
    return None


def apply_diff_reply(old: str, block: str, path: str) -> str:
    """Apply a model-written unified diff to `old` by its text, not its line numbers (which models
    get wrong): each hunk's context and removed lines are found (exactly, then ignoring trailing
    whitespace, then indentation) and replaced by its context and added lines."""
    hunks: list[list[str]] = []
    for line in block.splitlines():
        if line.startswith(("diff ", "--- ", "+++ ", "index ")) and not hunks:
            continue
        if line.startswith("@@"):
            hunks.append([])
        elif line[:1] in (" ", "-", "+", "") and not line.startswith("\\"):
            if not hunks:
                hunks.append([])
            hunks[-1].append(line)
    new = old
    for hunk in hunks:
        search = [line[1:] for line in hunk if line[:1] in (" ", "-", "")]
        replace = [line[1:] for line in hunk if line[:1] in (" ", "+", "")]
        while search and replace and not search[0].strip() and not replace[0].strip():
            search, replace = search[1:], replace[1:]
        while search and replace and not search[-1].strip() and not replace[-1].strip():
            search, replace = search[:-1], replace[:-1]
        if search == replace:
            continue
        if not any(s.strip() for s in search):
            raise EditError("a hunk of the diff has no context or removed lines to place it by")
        new = _replace_once(new, "\n".join(search) + "\n", "\n".join(replace) + ("\n" if replace else ""), path)
    if new == old:
        raise EditError("the diff in the reply changes nothing")
    if path.endswith(".py"):
        _must_parse(new)
    return new


def unified_diff(changes: dict[str, tuple[str, str]]) -> str:
    """A git-applicable patch from {path: (old text, new text)}; empty when nothing changed."""
    parts = []
    for path, (old, new) in sorted(changes.items()):
        if old == new:
            continue
        diff = difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                    fromfile=f"a/{path}", tofile=f"b/{path}")
        text = "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in diff)
        parts.append(f"diff --git a/{path} b/{path}\n{text}")
    return "".join(parts)


def complete_prefix(code: str) -> str:
    """The longest part of `code` made of whole top-level statements that parses: a reply cut off by
    the output cap keeps the definitions it finished. Raises `EditError` when no prefix parses."""
    lines = code.splitlines(keepends=True)
    # a top-level statement starts at an unindented line (decorators keep their function)
    starts = [i for i, line in enumerate(lines) if line[:1] not in " \t\n#)]}" and line.strip()
              and not (i and lines[i - 1].startswith("@"))]
    for end in [len(lines)] + starts[::-1]:
        text = "".join(lines[:end])
        try:
            ast.parse(text)
        except SyntaxError:
            continue
        if text.strip():
            return text
    raise EditError("no complete statement in the code")


def _must_parse(src: str) -> None:
    try:
        ast.parse(src)
    except SyntaxError as e:
        raise EditError(f"the edited code does not parse: line {e.lineno}: {e.msg}") from None
