"""The small HTML corpus the web tests index (a module of its own: `conftest` is a name every test
directory has, so importing it by name finds whichever one came first on sys.path)."""
from pathlib import Path

PAGES = {
    "zoneinfo.html": ("zoneinfo — IANA time zone support",
                      "<p>New in version 3.9.</p><p>The zoneinfo module provides a concrete time zone implementation "
                      "to support the IANA time zone database as originally specified in PEP 615.</p>"),
    "tomllib.html": ("tomllib — Parse TOML files",
                     "<p>New in version 3.11.</p><p>This module provides an interface for parsing TOML. "
                     "This module does not support writing TOML.</p>"),
    "graphlib.html": ("graphlib — Functionality to operate with graph-like structures",
                      "<p>New in version 3.9.</p><p>class graphlib.TopologicalSorter provides functionality to "
                      "topologically sort a graph of hashable nodes.</p>"),
}


def write_corpus(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, (title, body) in PAGES.items():
        (root / name).write_text(f"<html><head><title>{title}</title></head><body><nav>menu</nav><main>"
                                 f"<h1>{title}</h1>{body}</main></body></html>", encoding="utf-8")
    (root / "notes.txt").write_text("Release notes\nThe walrus operator arrived in Python 3.8.\n")
    (root / "_static").mkdir(exist_ok=True)
    (root / "_static" / "skip.html").write_text("<html><body><p>static junk</p></body></html>")
    return root
