"""Wheels of the harness's own pytest (and what it needs), repacked from this interpreter's installed
copies: every environment gets the pytest the test runner is written against, with no download.

    folder = harness_wheelhouse(cache_root)   # pytest-9.2.0-py3-none-any.whl, pluggy-…, iniconfig-…
    pip install --find-links folder "pytest==9.2.0"

A repacked wheel holds the files the distribution's RECORD lists under site-packages (console
scripts are left out: the harness runs pytest in-process), with a fresh RECORD of their hashes.
"""
from __future__ import annotations

import base64
import csv
import fcntl
import hashlib
import importlib.metadata as md
import io
import os
import re
import zipfile
from pathlib import Path

from packaging.requirements import Requirement

ROOT_DIST = "pytest"


def _closure(name: str) -> list[md.Distribution]:
    seen: dict[str, md.Distribution] = {}
    todo = [name]
    while todo:
        key = re.sub(r"[-_.]+", "-", todo.pop()).lower()
        if key in seen:
            continue
        dist = md.distribution(key)
        seen[key] = dist
        for spec in dist.requires or []:
            req = Requirement(spec)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name)
    return list(seen.values())


def _hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def repack(dist: md.Distribution, dest: Path) -> Path:
    """One installed, pure-Python distribution as a wheel file in `dest`."""
    name = re.sub(r"[-_.]+", "_", dist.metadata["Name"])
    version = dist.version
    out = dest / f"{name}-{version}-py3-none-any.whl"
    if out.exists():
        return out
    info_dir = None
    records: list[tuple[str, str, int]] = []
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in dist.files or []:
            rel = f.as_posix()
            if rel.startswith("..") or "__pycache__" in rel or rel.endswith(".pyc"):
                continue
            if ".dist-info/" in rel:
                info_dir = rel.split("/", 1)[0]
                if rel.rsplit("/", 1)[-1] in ("RECORD", "INSTALLER", "REQUESTED", "direct_url.json"):
                    continue
            path = Path(dist.locate_file(f))
            if not path.is_file():
                continue
            data = path.read_bytes()
            zf.writestr(rel, data)
            records.append((rel, _hash(data), len(data)))
        if info_dir is None:
            raise ValueError(f"{name} {version}: no .dist-info in its RECORD; cannot repack")
        rec = io.StringIO()
        writer = csv.writer(rec, lineterminator="\n")
        writer.writerows(records)
        writer.writerow([f"{info_dir}/RECORD", "", ""])
        zf.writestr(f"{info_dir}/RECORD", rec.getvalue())
    tmp = out.with_suffix(f".tmp{os.getpid()}")
    tmp.write_bytes(buf.getvalue())
    tmp.replace(out)
    return out


def harness_pin() -> str:
    return f"{ROOT_DIST}=={md.version(ROOT_DIST)}"


def harness_wheelhouse(cache_root: Path) -> Path:
    """A folder of wheels for this interpreter's pytest and its requirements (made once, kept)."""
    dest = Path(cache_root) / f"wheelhouse-{ROOT_DIST}-{md.version(ROOT_DIST)}"
    dest.mkdir(parents=True, exist_ok=True)
    with open(dest / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        for dist in _closure(ROOT_DIST):
            repack(dist, dest)
    return dest
