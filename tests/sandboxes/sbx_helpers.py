"""Helpers shared by the sandbox test modules (a plain module: tests/ is not a package, and a
tests/sandboxes/__init__.py would shadow the real `sandboxes` package)."""
from __future__ import annotations

import os
from collections import defaultdict

import pytest

from sandboxes import Limits, available_backends

ALL_BACKENDS = ["bwrap", "docker", "local"]
ISOLATING_BACKENDS = ["bwrap", "docker"]
_MARKS = {"docker": [pytest.mark.docker]}

# backend -> (attack, escaped, what happened) of the test phase running now; conftest.py moves them onto its report
ESCAPE_LOG: dict[str, list[tuple[str, bool, str]]] = defaultdict(list)
# The escape suite's limits (test_escape*.py).
TIGHT = Limits(memory_mb=256, cpu_seconds=10, file_size_mb=16, processes=64, output_bytes=100_000)


def report(backend: str, attack: str, escaped: bool, what: str) -> None:
    """Log one attack of the escape suite and fail the test if it escaped."""
    what = " | ".join(line for line in what.splitlines() if line.strip())
    ESCAPE_LOG[backend].append((attack, escaped, what))
    assert not escaped, f"{attack} escaped the {backend} sandbox: {what}"


def backend_params(names: list[str]) -> list:
    return [pytest.param(n, id=n, marks=_MARKS.get(n, [])) for n in names]


def require_backend(name: str) -> None:
    reason = available_backends()[name]
    if reason is None:
        return
    if os.environ.get("CI", "").lower() == "true" and name in ISOLATING_BACKENDS:
        pytest.fail(f"sandbox backend {name} must run in CI but is unavailable: {reason}")
    pytest.skip(f"sandbox backend {name} unavailable: {reason}")


# A one-line fix of calc.py's `add` (the repositories the workspace and pool tests build).
FIX_ADD_PATCH = """\
diff --git a/calc.py b/calc.py
--- a/calc.py
+++ b/calc.py
@@ -1,2 +1,2 @@
 def add(a, b):
-    return a - b
+    return a + b
"""


def make_calc_repo(path, extra: dict[str, bytes] | None = None):
    """A one-commit git repository whose calc.py has the bug FIX_ADD_PATCH fixes."""
    import git

    r = git.Repo.init(path)
    with r.config_writer() as cw:
        cw.set_value("user", "name", "t").set_value("user", "email", "t@example.com")
    (path / "calc.py").write_text("def add(a, b):\n    return a - b\n")
    for name, data in (extra or {}).items():
        (path / name).write_bytes(data)
    r.index.add(["calc.py", *(extra or {})])
    # fixed dates: the same files make the same commit, however long apart two builds run
    when = "2024-01-01T00:00:00"
    r.index.commit("base", author_date=when, commit_date=when)
    return path
