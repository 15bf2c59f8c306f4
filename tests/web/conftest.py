"""pytest runs with --import-mode=importlib: make this directory's helpers importable; share a
small corpus, its index and a loopback server with faults."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from fault_server import FaultServer  # noqa: E402

from web_corpus import write_corpus  # noqa: E402


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
