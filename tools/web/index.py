"""A full-text index of a folder of HTML or text files: SQLite FTS5 with BM25 ranking.

One file holds everything the loopback server needs: every document's path, title, extracted text
(indexed) and its original bytes with their content type (served as they are, so `open` reads the
real page over HTTP). Built into a temporary file and renamed, so a killed build leaves no half
index. The default corpus is the Python documentation Debian's `python3.11-doc` installs.
"""
from __future__ import annotations

import os
import re
import sqlite3
import stat
import zlib
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path

from tools.web.extract import html_to_text

DEFAULT_DOCS = Path("/usr/share/doc/python3.11/html")
DEFAULT_NAME = "the Python documentation"  # what the prompts call the default corpus
SUFFIXES = {".html": "text/html; charset=utf-8", ".htm": "text/html; charset=utf-8",
            ".txt": "text/plain; charset=utf-8", ".md": "text/plain; charset=utf-8"}
SCHEMA_VERSION = "3"   # 2: the `symbols` column; 3: items' own notes before their members (extract.own_notes_first)
_WORD = re.compile(r"[A-Za-z0-9_]+")
# Operators and short command-line options, which the word tokenizer drops (":=", "**", "-O"), become
# searchable words in a column of their own: each character spelled out, so ":=" is `symcolonequals`
# and "-O" (not "-o") `symflagcapo`. Longest operators first; a run of more operator characters
# than any operator ("====", "-->") is not one, nor an "@" inside a word (an e-mail address).
_CHARS = {":": "colon", "=": "equals", "*": "star", "/": "slash", "-": "minus", ">": "gt", "<": "lt", "!": "bang",
          "+": "plus", "%": "percent", "&": "amp", "|": "pipe", "^": "caret", "@": "at"}
_OPS = sorted(":= ** // -> == != <= >= << >> += -= *= /= //= %= **= &= |= ^= >>= <<= @= @".split(), key=len, reverse=True)
_OP = re.compile("(?<![:=*/<>!+%&|^@-])(" + "|".join("(?<!\\w)@" if o == "@" else re.escape(o) for o in _OPS)
                 + ")(?![:=*/<>!+%&|^@-])")   # "@" not inside a word (an e-mail address)
_FLAG = re.compile(r"(?<![\w-])-([A-Za-z])(?![\w-])")
SYMBOL = re.compile(_OP.pattern + "|" + _FLAG.pattern)   # one operator or short option, as written (group 0)


def symbol_words(text: str) -> list[str]:
    """The operators and short options of `text` as words (`symbols` column; also applied to queries)."""
    ops = ["sym" + "".join(_CHARS[c] for c in m) for m in _OP.findall(text)]
    flags = ["symflag" + ("cap" if c.isupper() else "") + c.lower() for c in _FLAG.findall(text)]
    return ops + flags


class WebIndexError(Exception):
    """The index cannot be built or read (one line, for the user)."""


def default_index_path() -> Path:
    base = Path(os.environ.get("SCALEAGENT_CACHE", Path.home() / ".cache" / "scaleagent"))
    return base / "web" / "python3.11-docs.sqlite"


def corpus_files(root: Path) -> Iterator[Path]:
    """HTML and text files under `root`, skipping hidden and `_`-prefixed folders (Sphinx's
    `_sources`, `_static`), the generated general index pages (`genindex*`), symbolic links, anything
    not a regular file (a named pipe would block the build, a socket fail it) and names that are not
    UTF-8 (an index's paths are text)."""
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith((".", "_")))
        for name in sorted(filenames):
            p = Path(dirpath) / name
            if p.suffix.lower() not in SUFFIXES or name.startswith("genindex") or not _utf8(str(p)):
                continue
            try:
                if stat.S_ISREG(os.lstat(p).st_mode):
                    yield p
            except OSError:  # gone since the folder was listed
                continue


def _utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
        return True
    except UnicodeEncodeError:  # a byte that is not UTF-8 in the name, kept by os as a lone surrogate
        return False


def read_file(path: Path, max_bytes: int) -> bytes:
    """The first `max_bytes` of the regular file at `path`, never blocking on it or following a link (it may
    have been swapped for a named pipe or a link since `corpus_files` looked)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise WebIndexError(f"{path} is not a regular file")
        return f.read(max_bytes)


def default_name(src: Path) -> str:
    """What the prompts call a corpus nobody named: "the Python documentation" for the default
    corpus, else "the documents in <folder>"."""
    src = Path(src)
    return DEFAULT_NAME if src == DEFAULT_DOCS else f"the documents in {src.resolve().name or src}"


def build_index(src: Path, out: Path, progress: Callable[[int, int], None] | None = None,
                max_file_bytes: int = 5_000_000, name: str | None = None) -> int:
    """Index every file of `src` into `out` (replaced atomically); returns the number of documents.
    `name` says what the corpus is, in the words the model reads ("the Django documentation")."""
    src, out = Path(src), Path(out)
    name = " ".join((name or "").split())[:120] or default_name(src)
    if not src.is_dir():
        raise WebIndexError(f"{src} is not a folder of HTML or text files")
    if out.is_dir() or (out.exists() and not out.is_file()):
        raise WebIndexError(f"--out {out} is a folder or not a regular file: give the index file's path, "
                            f"e.g. {out / 'index.sqlite'}")
    files = [f for f in corpus_files(src) if f.resolve() != out.resolve()]  # not an earlier build of `out` itself
    if not files:
        raise WebIndexError(f"{src} has no .html, .htm, .txt or .md files to index")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + f".tmp{os.getpid()}")
    tmp.unlink(missing_ok=True)
    try:
        count = _fill(tmp, src, files, name, progress, max_file_bytes)
        os.replace(tmp, out)
    except sqlite3.Error as e:  # a folder it may not write to, a full disk: one line, not a traceback
        raise WebIndexError(f"cannot write the index {out}: {e}") from None
    finally:
        tmp.unlink(missing_ok=True)
    return count


def _fill(tmp: Path, src: Path, files: list[Path], name: str, progress: Callable[[int, int], None] | None,
          max_file_bytes: int) -> int:
    """Write the index of `files` into the new database `tmp`; the number of documents."""
    count = 0
    with closing(sqlite3.connect(tmp)) as db:
        db.executescript(
            "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);"
            "CREATE TABLE docs(id INTEGER PRIMARY KEY, path TEXT UNIQUE, title TEXT, ctype TEXT, body BLOB);"
            "CREATE VIRTUAL TABLE fts USING fts5(title, text, symbols, tokenize='porter unicode61');")
        for i, path in enumerate(files):
            if progress:
                progress(i, len(files))
            raw = read_file(path, max_file_bytes)
            ctype = SUFFIXES[path.suffix.lower()]
            rel = path.relative_to(src).as_posix()
            if ctype.startswith("text/html"):
                title, text = html_to_text(raw.decode("utf-8", errors="replace"))
            else:
                text = raw.decode("utf-8", errors="replace")
                title = text.strip().splitlines()[0][:120] if text.strip() else rel
            if not text.strip():
                continue
            cur = db.execute("INSERT INTO docs(path, title, ctype, body) VALUES (?,?,?,?)",
                             (rel, title or rel, ctype, zlib.compress(raw)))
            db.execute("INSERT INTO fts(rowid, title, text, symbols) VALUES (?,?,?,?)",
                       (cur.lastrowid, title, text, " ".join(symbol_words(text))))
            count += 1
        db.executemany("INSERT INTO meta VALUES (?,?)", [("version", SCHEMA_VERSION), ("source", str(src)),
                                                          ("documents", str(count)), ("name", name)])
        db.commit()
    return count


def _version(db: sqlite3.Connection) -> str | None:
    """The schema version an index records (sqlite3.DatabaseError: not an index)."""
    row = db.execute("SELECT value FROM meta WHERE key='version'").fetchone()
    return row[0] if row else None


def is_current(path: Path) -> bool:
    """Whether `path` is an index this version reads (False: missing, not an index, or built by another version)."""
    try:
        with closing(sqlite3.connect(f"file:{Path(path)}?mode=ro", uri=True)) as db:
            return _version(db) == SCHEMA_VERSION
    except sqlite3.DatabaseError:
        return False


class Index:
    """Read-only access to a built index (one connection per instance; not shared across threads)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        if not self.path.is_file():
            raise WebIndexError(f"no index at {self.path}: build one with `scaleagent web index DIR --out {self.path}`")
        try:
            self.db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
            version = _version(self.db)
        except sqlite3.DatabaseError:
            raise WebIndexError(f"{self.path} is not a scaleagent web index; rebuild it with `scaleagent web index`") from None
        if version != SCHEMA_VERSION:
            raise WebIndexError(f"{self.path} was built by another version; rebuild it with `scaleagent web index`")

    def close(self) -> None:
        self.db.close()

    @property
    def name(self) -> str:
        """What the corpus is, as `build_index` recorded it (an index built before names: from its source)."""
        meta = dict(self.db.execute("SELECT key, value FROM meta WHERE key IN ('name', 'source')").fetchall())
        return meta.get("name") or default_name(Path(meta.get("source") or self.path.stem))

    def search(self, query: str, limit: int = 5) -> list[dict[str, str | float]]:
        """BM25-ranked documents for the words of `query` (any word may match; titles weigh 4x), its
        operators and short options included (`symbol_words`)."""
        words = (symbol_words(query) + [w for w in _WORD.findall(query.lower()) if len(w) > 1])[:16]
        if not words:
            return []
        match = " OR ".join(f'"{w}"' for w in dict.fromkeys(words))
        rows = self.db.execute(
            "SELECT d.path, d.title, snippet(fts, 1, '', '', ' … ', 24), bm25(fts, 4.0, 1.0, 1.0) AS rank "
            "FROM fts JOIN docs d ON d.id = fts.rowid WHERE fts MATCH ? ORDER BY rank LIMIT ?",
            (match, int(limit))).fetchall()
        return [{"path": p, "title": t, "snippet": " ".join(s.split()), "score": round(-r, 3)} for p, t, s, r in rows]

    def document(self, path: str) -> tuple[str, bytes] | None:
        """(content type, original bytes) of the document at `path`, or None."""
        row = self.db.execute("SELECT ctype, body FROM docs WHERE path = ?", (path,)).fetchone()
        return (row[0], zlib.decompress(row[1])) if row else None

    def count(self) -> int:
        return self.db.execute("SELECT count(*) FROM docs").fetchone()[0]
