"""Shared fixtures: the SWE example suite built once per session into a temp dir."""
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def swe_suite(tmp_path_factory):
    """Path of the built instances.jsonl (repo = absolute path of each built repository)."""
    if shutil.which("git") is None:
        pytest.skip("needs the git command line")
    out = tmp_path_factory.mktemp("swe-suite")
    r = subprocess.run([sys.executable, str(ROOT / "examples/swe/build.py"), "--out", str(out)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    return out / "instances.jsonl"


@pytest.fixture(scope="session")
def swe_records(swe_suite):
    return [json.loads(line) for line in swe_suite.read_text().splitlines() if line.strip()]


@pytest.fixture(scope="session")
def swe_instances(swe_suite):
    from agents.swe.instances import load_instances

    return {i.instance_id: i for i in load_instances(swe_suite)}


@pytest.fixture(scope="session")
def sandbox_backend():
    """bwrap where it works (the default backend), else local."""
    from sandboxes import available_backends

    return "bwrap" if available_backends().get("bwrap") is None else "local"
