"""`scaleagent web index DIR --out F` on folders with odd things in them: what is not a readable regular file
with a UTF-8 name is skipped (a named pipe must not block the build), and an index it cannot write is one
line on stderr, never a traceback or a half-written file."""
import os
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tools.web.index import WebIndexError, build_index, corpus_files

ROOT = Path(__file__).resolve().parents[2]
PAGE = "<html><head><title>A</title></head><body><p>Alpha text here.</p></body></html>"


def docs(out: Path) -> list[str]:
    with sqlite3.connect(out) as db:
        return sorted(p for (p,) in db.execute("SELECT path FROM docs"))


def corpus(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.html").write_text(PAGE)
    return src


def test_a_named_pipe_is_skipped_not_waited_on(tmp_path):
    src = corpus(tmp_path)
    os.mkfifo(src / "pipe.html")
    code = ("import sys; from tools.web.index import build_index; "
            f"print(build_index({str(src)!r}, {str(tmp_path / 'i.sqlite')!r}))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                       env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert r.returncode == 0 and r.stdout.strip() == "1", r.stderr


def test_a_socket_and_a_name_that_is_not_utf8_are_skipped(tmp_path):
    src = corpus(tmp_path)
    fd = os.open(os.fsencode(src) + b"/bad\xff.txt", os.O_WRONLY | os.O_CREAT, 0o644)
    os.write(fd, b"some text")
    os.close(fd)
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(src / "sock.html"))
    try:
        assert [p.name for p in corpus_files(src)] == ["a.html"]
        assert build_index(src, tmp_path / "i.sqlite") == 1
    finally:
        sock.close()


def test_an_earlier_build_of_out_inside_the_folder_is_not_indexed(tmp_path):
    src = corpus(tmp_path)
    out = src / "index.txt"  # a corpus suffix: the first build's file would be read as text by the second
    build_index(src, out)
    build_index(src, out)
    assert docs(out) == ["a.html"]


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs /proc (a folder no one may create files in)")
def test_an_index_it_cannot_write_is_one_line(tmp_path):
    src = corpus(tmp_path)
    with pytest.raises(WebIndexError, match="cannot write the index /proc/x.sqlite"):
        build_index(src, Path("/proc/x.sqlite"))
    r = subprocess.run([sys.executable, "-m", "agents.cli", "web", "index", str(src), "--out", "/proc/x.sqlite"],
                       capture_output=True, text=True, timeout=120, cwd=tmp_path,
                       env=dict(os.environ, PYTHONPATH=str(ROOT)))
    lines = [line for line in r.stderr.splitlines() if line.strip() and not line.startswith("indexing")]
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    assert lines == ["scaleagent: error: cannot write the index /proc/x.sqlite: unable to open database file"]
