"""The local index (SQLite FTS5, BM25) and its loopback HTTP server."""
import socket
import sqlite3
import threading

import httpx
import pytest

from tools.web.backends import local_index
from tools.web.index import Index, WebIndexError, build_index
from tools.web.server import THREAD_NAME, IndexServer


def refused(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) != 0


def test_bm25_ranks_the_page_about_the_query_first(web_index):
    idx = Index(web_index)
    try:
        assert idx.count() == 4  # 3 pages and the text file; _static/ is skipped
        hits = idx.search("IANA time zone database")
        assert hits[0]["path"] == "zoneinfo.html" and "IANA" in hits[0]["snippet"]
        assert idx.search("topologically sort")[0]["path"] == "graphlib.html"
        idx.search('"); DROP TABLE docs; -- NEAR( * ^')  # model text is quoted into the FTS5 query
        assert idx.count() == 4
        assert idx.search("!!!") == []
    finally:
        idx.close()


def test_the_server_speaks_searxng_json_and_serves_the_original_pages(web_index):
    with IndexServer(web_index) as server:
        r = httpx.get(f"{server.url}/search", params={"q": "TOML", "format": "json"}, trust_env=False)
        data = r.json()
        assert data["results"][0]["url"] == f"{server.url}/doc/tomllib.html"
        page = httpx.get(data["results"][0]["url"], trust_env=False)
        assert page.headers["content-type"].startswith("text/html") and "<main>" in page.text
        assert httpx.get(f"{server.url}/doc/nope.html", trust_env=False).status_code == 404


def test_the_server_answers_a_bad_limit_and_a_reset_client_quietly(web_index, capsys):
    import socket
    import struct

    with IndexServer(web_index) as server:
        bad = httpx.get(f"{server.url}/search", params={"q": "TOML", "limit": "abc"}, trust_env=False)
        assert bad.status_code == 400
        sock = socket.create_connection(("127.0.0.1", server.port))
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.sendall(b"GET /search?q=toml HTTP/1.1\r\nHost: x\r\n\r\n")
        sock.close()  # a reset (RST), maybe before the server reads or answers
        assert httpx.get(f"{server.url}/search", params={"q": "TOML"}, trust_env=False).status_code == 200
    assert "Traceback" not in capsys.readouterr().err


def test_closing_releases_the_port_and_ends_the_thread(web_index):
    with local_index(web_index) as backend:
        port = int(backend.base_url.rsplit(":", 1)[1])
        assert backend.search("zoneinfo")[0].title.startswith("zoneinfo")
        assert any(t.name == THREAD_NAME for t in threading.enumerate())
    assert refused(port)
    assert not any(t.name == THREAD_NAME and t.is_alive() for t in threading.enumerate())


def test_index_errors_are_one_line(tmp_path):
    with pytest.raises(WebIndexError, match="is not a folder"):
        build_index(tmp_path / "missing", tmp_path / "i.sqlite")
    (tmp_path / "empty").mkdir()
    with pytest.raises(WebIndexError, match="no .html"):
        build_index(tmp_path / "empty", tmp_path / "i.sqlite")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.txt").write_text("a page\n")
    with pytest.raises(WebIndexError, match="is a folder"):  # not "Is a directory: empty.tmp123"
        build_index(tmp_path / "docs", tmp_path / "empty")
    with pytest.raises(WebIndexError, match="no index at"):
        Index(tmp_path / "absent.sqlite")
    (tmp_path / "junk.sqlite").write_text("not a database")
    with pytest.raises(WebIndexError, match="not a scaleagent web index"):
        Index(tmp_path / "junk.sqlite")
    other = tmp_path / "other.sqlite"
    sqlite3.connect(other).executescript("CREATE TABLE meta(key TEXT, value TEXT); INSERT INTO meta VALUES ('version', '0');")
    with pytest.raises(WebIndexError, match="another version"):
        Index(other)
    assert not list(tmp_path.glob("*.tmp*"))  # a failed build leaves no half index


def test_the_default_index_is_built_on_first_use_into_the_cache(tmp_path, monkeypatch):
    import tools.web.index as index_mod
    from agents.web.env import ensure_index
    from web_corpus import write_corpus

    monkeypatch.setenv("SCALEAGENT_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(index_mod, "DEFAULT_DOCS", write_corpus(tmp_path / "docs"))
    path = ensure_index(None)
    assert path == tmp_path / "cache" / "web" / "python3.11-docs.sqlite" and Index(path).count() == 4
    assert ensure_index(str(path)) == path


def test_web_index_command_builds_an_index(tmp_path):
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    from web_corpus import write_corpus

    root = Path(__file__).resolve().parents[2]
    r = subprocess.run([sys.executable, "-m", "agents.cli", "web", "index", str(write_corpus(tmp_path / "docs")),
                        "--out", str(tmp_path / "i.sqlite"), "--json"], capture_output=True, text=True,
                       env=dict(os.environ, PYTHONPATH=str(root)), timeout=300)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["documents"] == 4 and Index(tmp_path / "i.sqlite").search("TOML")
