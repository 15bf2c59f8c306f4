"""Task and instance ids become directory names (bench output, default run directories, reports):
one function turns an id into one safe path component, so no id can escape the directory it goes in.

An id is untrusted input (an instances file, a predictions file, a dataset): `../../x`, `/abs`,
`a/../../b`, `.`, `..` must never name a place outside the parent directory.
"""
from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from agents.errors import ConfigError

_PLAIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
MAX_ID_CHARS = 1000        # longer ids are refused (no dataset has them; a file name would not hold one)
_MAX_PLAIN = 100           # longer plain ids are cut and get a hash suffix


def id_problem(task_id: object) -> str | None:
    """Why `task_id` cannot be an id at all (None when it can): not a string, empty, a control
    character (NUL, newline) or longer than MAX_ID_CHARS."""
    if not isinstance(task_id, str):
        return f"must be a string, not {type(task_id).__name__}"
    if not task_id.strip():
        return "must not be empty"
    if any(ord(c) < 32 or ord(c) == 127 for c in task_id):
        return "must not hold control characters (NUL, newline, tab)"
    if len(task_id) > MAX_ID_CHARS:
        return f"is {len(task_id)} characters long (at most {MAX_ID_CHARS})"
    return None


def id_dirname(task_id: str) -> str:
    """One path component for `task_id`: the id itself when it is plain (letters, digits, `._-`, not
    starting with a dot, at most 100 characters), else the id with every other character replaced by
    `_`, cut to 100 characters, plus `-` and 8 hex digits of its sha256 (so `a/b` and `a_b` differ).
    Raises ConfigError naming the id when it cannot be an id (see `id_problem`)."""
    why = id_problem(task_id)
    if why:
        raise ConfigError(f"bad id {_shown(task_id)}: an id {why}; fix the id in the input file")
    if _PLAIN.match(task_id) and len(task_id) <= _MAX_PLAIN:
        return task_id
    digest = hashlib.sha256(task_id.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    stem = _UNSAFE.sub("_", task_id).lstrip(".")[:_MAX_PLAIN] or "id"
    return f"{stem}-{digest}"


def id_path(parent: Path | str, task_id: str) -> Path:
    """`parent / id_dirname(task_id)`, checked to lie directly inside `parent`."""
    parent = Path(parent)
    path = parent / id_dirname(task_id)
    if path.parent != parent or os.sep in path.name or path.name in (".", ".."):  # defence in depth
        raise ConfigError(f"bad id {_shown(task_id)}: it would leave {parent}")
    return path


def _shown(task_id: object) -> str:
    text = repr(task_id)
    return text if len(text) <= 80 else text[:77] + "...'"


def ensure_dir(path: Path | str, what: str) -> Path:
    """Create `path` (and its parents) and prove a file can be written in it; any problem (a file is
    in the way, a read-only or full disk, no permission) is one ConfigError naming `what` (e.g.
    `--out`), raised before anything of the run is written."""
    import tempfile

    path = Path(path)
    if path.exists() and not path.is_dir():
        raise ConfigError(f"{what} {path} is not a directory; give a directory path")
    try:
        path.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=path, prefix=".scaleagent-probe-")
        try:
            os.write(fd, b"x")
        finally:
            os.close(fd)
            os.unlink(probe)
    except OSError as exc:
        raise ConfigError(f"{what} {path} cannot be written: {exc.strerror or exc}") from None
    return path
