"""Tiny local packages for the environment tests: git repositories in tmp dirs and hand-made wheels,
so environment builds never reach the package registry (pip runs with --no-index)."""
from __future__ import annotations

import base64
import csv
import hashlib
import io
import shutil
import subprocess
import zipfile
from pathlib import Path

from sandboxes.pyenv.wheelhouse import harness_wheelhouse

GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"]


def make_wheel(dest: Path, name: str, version: str, files: dict[str, str], requires: list[str] = ()) -> Path:
    dist = name.replace("-", "_")
    info = f"{dist}-{version}.dist-info"
    entries = dict(files)
    entries[f"{info}/METADATA"] = "Metadata-Version: 2.1\nName: {}\nVersion: {}\n{}".format(
        name, version, "".join(f"Requires-Dist: {r}\n" for r in requires))
    entries[f"{info}/WHEEL"] = "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    rec = io.StringIO()
    w = csv.writer(rec, lineterminator="\n")
    for rel, text in entries.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        w.writerow([rel, f"sha256={digest}", len(text.encode())])
    w.writerow([f"{info}/RECORD", "", ""])
    out = dest / f"{dist}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(out, "w") as zf:
        for rel, text in entries.items():
            zf.writestr(rel, text)
        zf.writestr(f"{info}/RECORD", rec.getvalue())
    return out


def offline_index(monkeypatch, tmp_path: Path) -> Path:
    """A wheel folder (the harness's pytest, `depdemo`, `pytest-optplug`) as the only package source,
    and a private environment cache."""
    cache = tmp_path / "cache"
    wh = tmp_path / "wheels"
    wh.mkdir(parents=True)
    for whl in harness_wheelhouse(cache).glob("*.whl"):
        shutil.copy(whl, wh)
    make_wheel(wh, "depdemo", "1.0", {"depdemo.py": "def double(x):\n    return 2 * x\n"})
    make_wheel(wh, "pytest-optplug", "0.1", {"pytest_optplug.py": (
        "import pytest\n\n@pytest.fixture\ndef answer():\n    return 42\n")})
    monkeypatch.setenv("SCALEAGENT_CACHE", str(cache))
    monkeypatch.setenv("SCALEAGENT_PIP_ARGS", f"--no-index --find-links {wh}")
    return wh


def make_repo(path: Path, files: dict[str, str]) -> str:
    """A git repository at `path` holding `files` in one commit; returns the commit sha."""
    path.mkdir(parents=True)
    for rel, text in files.items():
        (path / rel).parent.mkdir(parents=True, exist_ok=True)
        (path / rel).write_text(text)
    subprocess.run([*GIT, "init", "-q"], cwd=path, check=True)
    subprocess.run([*GIT, "add", "-A"], cwd=path, check=True)
    subprocess.run([*GIT, "commit", "-qm", "base"], cwd=path, check=True)
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=path, capture_output=True, text=True).stdout.strip()


BACKEND = r'''
"""A PEP 517 backend small enough to live in a test repository (no setuptools, no download)."""
import base64, csv, hashlib, io, os, tomllib, zipfile

def _files():
    root = "src" if os.path.isdir("src") else "."
    out = {}
    for base, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d not in ("tests", "_build", ".git", "__pycache__")]
        for n in names:
            if n.endswith(".py") and not (base == "." and n in ("setup.py", "conftest.py")):
                path = os.path.join(base, n)
                out[os.path.relpath(path, root)] = open(path).read()
    return out

def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    meta = tomllib.load(open("pyproject.toml", "rb"))
    fail = meta.get("tool", {}).get("tinybackend", {}).get("fail")
    if fail:
        raise RuntimeError(fail)
    p = meta["project"]
    name, version = p["name"].replace("-", "_"), p["version"]
    info = f"{name}-{version}.dist-info"
    reqs = list(p.get("dependencies", []))
    for extra, deps in p.get("optional-dependencies", {}).items():
        reqs += [f'{d}; extra == "{extra}"' for d in deps]
    entries = _files()
    entries[info + "/METADATA"] = ("Metadata-Version: 2.1\nName: %s\nVersion: %s\n" % (name, version)
        + "".join("Provides-Extra: %s\n" % e for e in p.get("optional-dependencies", {}))
        + "".join("Requires-Dist: %s\n" % r for r in reqs))
    entries[info + "/WHEEL"] = "Wheel-Version: 1.0\nGenerator: t\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    rec = io.StringIO()
    w = csv.writer(rec, lineterminator="\n")
    for rel, text in entries.items():
        d = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        w.writerow([rel, "sha256=" + d, len(text.encode())])
    w.writerow([info + "/RECORD", "", ""])
    fname = f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, fname), "w") as zf:
        for rel, text in entries.items():
            zf.writestr(rel, text)
        zf.writestr(info + "/RECORD", rec.getvalue())
    return fname
'''


def pyproject(name: str, deps: list[str] = (), extras: dict[str, list[str]] | None = None,
              fail: str | None = None) -> dict[str, str]:
    """pyproject.toml and the in-tree backend it names (`fail`: the build raises with that message)."""
    text = ('[build-system]\nrequires = []\nbuild-backend = "tinybackend"\nbackend-path = ["_build"]\n\n'
            f'[project]\nname = "{name}"\nversion = "0.1"\ndependencies = {list(deps)!r}\n')
    if extras:
        text += "\n[project.optional-dependencies]\n" + "".join(f"{k} = {v!r}\n" for k, v in extras.items())
    if fail:
        text += f"\n[tool.tinybackend]\nfail = {fail!r}\n"
    return {"pyproject.toml": text.replace("'", '"'), "_build/tinybackend.py": BACKEND}
