"""Unified diffs as edits: apply one to a file's text (exact context, no fuzz), and the smaller
versions of an edit (one change left out, or one change alone) that the SWE pipeline verifies when
a patch breaks existing tests."""
from __future__ import annotations

import ast
import difflib
import re

from tools.edits import EditError

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@")

__all__ = ["apply_unified", "ablations", "blamed_names"]


def apply_unified(old: str, patch: str) -> str:
    """The new text of a one-file unified diff (as `unified_diff` writes it) applied to `old`.
    Context must match exactly (no fuzz); a mismatch raises `EditError` with the line."""
    src = old.splitlines(keepends=True)
    out: list[str] = []
    pos = 0           # next line of `src` not yet copied
    last = None       # kind of the previous hunk line, for "\ No newline at end of file"
    in_hunk = False
    for line in patch.splitlines(keepends=True):
        head = _HUNK.match(line)
        if head:
            start, count = int(head.group(1)), head.group(2)
            first = start - 1 if count != "0" else start   # an empty old side names the line before
            if first < pos or first > len(src):
                raise EditError(f"hunk at line {start} does not fit the file ({len(src)} lines)")
            out.extend(src[pos:first])
            pos, in_hunk, last = first, True, None
            continue
        if not in_hunk or line[:1] not in " -+\\":
            in_hunk = in_hunk and line[:1] in " -+\\"
            continue
        kind, text = line[0], line[1:]
        if kind == "\\":
            if last == "+" and out:
                out[-1] = out[-1].rstrip("\n")
            continue
        if kind in " -":
            if pos >= len(src) or src[pos].rstrip("\n") != text.rstrip("\n"):
                raise EditError(f"patch context does not match line {pos + 1} of the file")
            if kind == " ":
                out.append(src[pos])
            pos += 1
        else:
            out.append(text)
        last = kind
    out.extend(src[pos:])
    return "".join(out)


_BLAMED = re.compile(r"(?:name|attribute|import name) '([A-Za-z_]\w*)'")


def blamed_names(messages: list[str]) -> set[str]:
    """Names failing tests complain about (`NameError: name 'x'`, `has no attribute 'x'`, `cannot
    import name 'x'`): a change that removed or renamed one of them is the likely breaking one."""
    return {m.group(1) for text in messages for m in _BLAMED.finditer(text or "")}


def ablations(old: str, new: str, limit: int = 3, blamed: set[str] | frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    """Smaller versions of the edit `old` → `new`, as (label, text): each separate change left out
    in turn, then each change alone; only ones that still parse, at most `limit`. A sampled rewrite
    often carries the right fix together with an unrelated change that breaks something (a rename,
    a dropped import); one of these versions keeps the fix without it. Versions that leave out a
    change mentioning a `blamed` name (`blamed_names` of the failing tests) come first."""
    a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    ops = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    changes = [n for n, op in enumerate(ops) if op[0] != "equal"]
    if len(changes) < 2:
        return []

    def build(keep: set[int]) -> str:
        return "".join("".join(b[j1:j2] if n in keep or tag == "equal" else a[i1:i2])
                       for n, (tag, i1, i2, j1, j2) in enumerate(ops))

    def where(n: int) -> str:
        i1, i2 = ops[n][1], ops[n][2]
        return f"line {i1 + 1}" if i2 - i1 <= 1 else f"lines {i1 + 1}-{i2}"

    def mentions(n: int) -> bool:
        _, i1, i2, j1, j2 = ops[n]
        words = set(re.findall(r"[A-Za-z_]\w*", "".join(a[i1:i2] + b[j1:j2])))
        return bool(words & set(blamed))

    total = len(changes)
    options = [(f"without change {i + 1} of {total} ({where(n)})", set(changes) - {n}) for i, n in enumerate(changes)]
    options.sort(key=lambda o: not mentions(next(iter(set(changes) - o[1]))))  # stable: blamed first
    if total > 2:
        options += [(f"only change {i + 1} of {total} ({where(n)})", {n}) for i, n in enumerate(changes)]
    out, seen = [], {old, new}
    for label, keep in options:
        text = build(keep)
        if text in seen:
            continue
        seen.add(text)
        try:
            ast.parse(text)
        except SyntaxError:
            continue
        out.append((label, text))
        if len(out) >= limit:
            break
    return out
