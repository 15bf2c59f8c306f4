"""Read-only views of a repository for localization: files, their functions, lexical relevance.

Small models cannot browse a repository; the pipeline hands them a ranked shortlist instead. The
lexical score (identifier overlap with the issue, BM25-like) is a prior that model votes refine.
"""
from __future__ import annotations

import ast
import math
import re
from collections import Counter
from pathlib import Path

from pydantic import BaseModel

_SKIP_DIRS = {".git", ".venv", "venv", "node_modules", "__pycache__", "build", "dist", ".tox", ".eggs", "site-packages"}
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]{2,}")
_STOP = set("the and for with that this from not are was but when then else have has into your you its".split())


class Symbol(BaseModel):
    """A top-level function, a class, or a method (`Class.method`) with its line span (1-based, inclusive)."""

    name: str
    kind: str
    start: int
    end: int

    def text(self, source: str) -> str:
        """This symbol's lines of `source` (the text it was parsed from)."""
        return "\n".join(source.splitlines()[self.start - 1: self.end])


def source_files(root: Path, *, include_tests: bool = False, max_files: int = 2000) -> list[str]:
    """Python files under `root` as POSIX paths relative to it, sorted; tests excluded unless asked."""
    out: list[str] = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root)
        if any(part in _SKIP_DIRS or part.startswith(".") for part in rel.parts[:-1]):
            continue
        if not include_tests and is_test_path(rel.as_posix()):
            continue
        out.append(rel.as_posix())
        if len(out) >= max_files:
            break
    return out


def is_test_path(rel: str) -> bool:
    parts = rel.split("/")
    return any(p in ("tests", "test", "testing") for p in parts[:-1]) or parts[-1].startswith("test_") \
        or parts[-1].endswith("_test.py") or parts[-1] == "conftest.py"


def symbols(source: str) -> list[Symbol]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    out: list[Symbol] = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            out.append(Symbol(name=node.name, kind="function", start=_start(node), end=node.end_lineno or node.lineno))
        elif isinstance(node, ast.ClassDef):
            out.append(Symbol(name=node.name, kind="class", start=_start(node), end=node.end_lineno or node.lineno))
            for sub in node.body:
                if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    out.append(Symbol(name=f"{node.name}.{sub.name}", kind="method", start=_start(sub),
                                      end=sub.end_lineno or sub.lineno))
    return out


def _start(node: ast.AST) -> int:
    decos = getattr(node, "decorator_list", [])
    return min([node.lineno] + [d.lineno for d in decos])


def tokens(text: str) -> list[str]:
    """Identifiers split on snake_case and CamelCase, lower-cased: `parseQueryString` → parse, query, string."""
    out = []
    for word in _WORD.findall(text):
        out.append(word.lower())
        parts = [p for p in re.split(r"_|(?<=[a-z])(?=[A-Z])", word) if len(p) > 2]
        if len(parts) > 1:
            out.extend(p.lower() for p in parts)
    return [t for t in out if t not in _STOP]


_PLAIN = (ast.Constant, ast.Name, ast.Attribute, ast.List, ast.Tuple)
_TOP_DEF = re.compile(r"^(?:async[ \t]+def|def|class)[ \t]", re.M)


def reexports_only(source: str) -> bool:
    """True for a module that holds no code of its own: imports, a docstring, and names bound to
    literals or other names (`__all__ = [...]`, `__version__ = "1.0"`, `parse = _impl.parse`): a
    package's `__init__.py` that re-exports its modules. False when it does not parse."""
    if _TOP_DEF.search(source):  # most modules: a definition of their own, known without parsing
        return False
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return False
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)) or (
                isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)):
            continue
        value = node.value if isinstance(node, (ast.Assign, ast.AnnAssign)) else None
        if value is None or not isinstance(value, _PLAIN) or (
                isinstance(value, (ast.List, ast.Tuple)) and not all(isinstance(e, _PLAIN) for e in value.elts)):
            return False
    return True


def defining_file(root: Path, files: list[str], name: str) -> str | None:
    """The one file of `files` that defines function, class or method `name` (`f`, `Class` or
    `Class.method`; a bare name also matches a method `Class.name`); None when none or several do."""
    name = name.strip()
    short = name.rsplit(".", 1)[-1]
    if not all(part.isidentifier() for part in name.split(".")):
        return None
    found = []
    for rel in files:
        try:
            text = (root / rel).read_text(errors="replace")
        except OSError:
            continue
        if short in text and any(s.name == name or ("." not in name and s.name.rsplit(".", 1)[-1] == short)
                                 for s in symbols(text)):
            found.append(rel)
    return found[0] if len(found) == 1 else None


def rank_files(root: Path, query: str, files: list[str] | None = None) -> list[tuple[str, float]]:
    """BM25 over file contents (and path words, weighted up) against the query; best first. A module
    that only re-exports (`reexports_only`) scores 0: the words it shares with the issue are the names
    of the code it imports, which lives, and gets fixed, in other files."""
    files = files if files is not None else source_files(root)
    docs: dict[str, Counter] = {}
    for rel in files:
        try:
            text = (root / rel).read_text(errors="replace")
        except OSError:
            continue
        if reexports_only(text):
            docs[rel] = Counter()
            continue
        c = Counter(tokens(text))
        for t in tokens(rel.replace("/", " ").replace(".py", "")):
            c[t] += 5
        docs[rel] = c
    if not docs:
        return []
    q = Counter(tokens(query))
    n = len(docs)
    avg = sum(sum(c.values()) for c in docs.values()) / n
    df = Counter(t for c in docs.values() for t in c)
    scores = {}
    for rel, c in docs.items():
        length = sum(c.values()) or 1
        s = 0.0
        for t, qf in q.items():
            if t not in c:
                continue
            idf = math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5))
            tf = c[t] * 2.2 / (c[t] + 1.2 * (0.25 + 0.75 * length / avg))
            s += idf * tf * min(qf, 3)
        scores[rel] = s
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))


def rank_symbols(source: str, query: str) -> list[tuple[Symbol, float]]:
    """Functions/methods of one file scored by identifier overlap with the query; best first."""
    lines = source.splitlines()
    q = set(tokens(query))
    out = []
    for sym in symbols(source):
        if sym.kind == "class":
            continue
        body = "\n".join(lines[sym.start - 1: sym.end])
        toks = Counter(tokens(body))
        name_hit = 3.0 * len(set(tokens(sym.name)) & q)
        s = name_hit + sum(math.log(1 + toks[t]) for t in q if t in toks)
        out.append((sym, s))
    return sorted(out, key=lambda kv: (-kv[1], kv[0].start))


def match_path(mentioned: str, files: list[str]) -> str | None:
    """Resolve a path a model wrote (`path/to/x.py`, `./src/x.py`, `x.py`, `pkg.mod`) to a real file."""
    m = mentioned.strip().strip("`'\"*:,").lstrip("./")
    for prefix in ("path/to/", "a/", "b/", "repo/", "workspace/"):
        if m.startswith(prefix) and m not in files:
            m = m[len(prefix):]
    if m in files:
        return m
    if not m.endswith(".py") and re.fullmatch(r"[A-Za-z_][\w.]*", m):
        m = m.replace(".", "/") + ".py"
    tails = [f for f in files if f == m or f.endswith("/" + m)]
    if len(tails) == 1:
        return tails[0]
    base = m.rsplit("/", 1)[-1]
    same = [f for f in files if f.rsplit("/", 1)[-1] == base]
    return same[0] if len(same) == 1 else None  # ambiguous or unknown: better no file than a wrong one
