"""pytest runs with --import-mode=importlib: make this directory's helpers importable; share a
small corpus, its index and a loopback server with faults."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from fault_server import FaultServer  # noqa: E402

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


@pytest.fixture(scope="session")
def web_index(tmp_path_factory) -> Path:
    from tools.web.index import build_index

    root = write_corpus(tmp_path_factory.mktemp("corpus"))
    out = tmp_path_factory.mktemp("index") / "small.sqlite"
    build_index(root, out)
    return out


@pytest.fixture
def faults():
    with FaultServer() as server:
        yield server
