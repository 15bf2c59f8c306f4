"""Issue 17 under the docker backend: a repository's environment becomes an image (sandbox image +
the host-built venv), made once per environment, and graded test runs use it with the candidate's
worktree importable; the test container stays offline. Needs the engine and the sandbox image
(`eval "$(bash scripts/docker_setup.sh | tail -n 1)"`)."""
from __future__ import annotations

import difflib
import json
import os
import sys
from pathlib import Path

import pytest
from pyenv_helpers import make_repo, offline_index, pyproject
from sbx_helpers import require_backend

from sandboxes import open_sandbox
from sandboxes.pyenv import environment_for, use_environment
from sandboxes.pyenv.image import COMMITS, ENV_DIR, ensure_image

pytestmark = pytest.mark.docker
ROOT = Path(__file__).resolve().parents[2]
BUGGY = "from depdemo import double\n\ndef quad(x):\n    return double(x)\n"
FIXED = BUGGY.replace("return double(x)", "return double(double(x))")
TEST = ("from demo import quad\n\ndef test_quad(answer):\n    assert answer == 42 and quad(1) == 4\n\n"
        "def test_zero():\n    assert quad(0) == 0\n")


@pytest.fixture
def docker_ready(tmp_path, monkeypatch):
    require_backend("docker")
    return offline_index(monkeypatch, tmp_path)


def _instance(tmp_path: Path):
    from agents.swe.instances import Instance

    files = {**pyproject("demo", ["depdemo"], {"test": ["pytest-optplug"]}), "src/demo/__init__.py": BUGGY,
             "tests/test_demo.py": TEST, "conftest.py": "pytest_plugins = ['pytest_optplug']\n"}
    sha = make_repo(tmp_path / "repo", files)
    return Instance(instance_id="d-1", repo=str(tmp_path / "repo"), base_commit=sha, problem_statement="quad is off",
                    FAIL_TO_PASS=["tests/test_demo.py::test_quad"], PASS_TO_PASS=["tests/test_demo.py::test_zero"])


def test_src_layout_with_a_dependency_resolves_in_its_image_built_once(tmp_path, docker_ready):
    from agents.swe.grading import grade

    inst = _instance(tmp_path)
    gold = "".join(difflib.unified_diff(BUGGY.splitlines(True), FIXED.splitlines(True),
                                        "a/src/demo/__init__.py", "b/src/demo/__init__.py"))
    before = sum(COMMITS.values())
    good = grade(inst, gold, sandbox="docker", timeout=120)
    assert good.status == "resolved", good.reason
    empty = grade(inst, "", sandbox="docker", timeout=120)
    assert empty.status == "unresolved" and empty.reason.startswith("1/1 FAIL_TO_PASS not passing"), empty.reason
    assert sum(COMMITS.values()) - before <= 1  # one image for both runs (0: an earlier run made it)


def test_the_image_runs_the_worktree_offline_as_nobody(tmp_path, docker_ready):
    from agents.swe.instances import materialize_repo

    inst = _instance(tmp_path)
    repo = materialize_repo(inst)
    env = environment_for(repo, inst.base_commit)
    ws = tmp_path / "ws"
    (ws / "src/demo").mkdir(parents=True)
    (ws / "src/demo/__init__.py").write_text("WHERE = 'worktree'\n")
    probe = ("import json, os, socket, sys, demo, depdemo, pytest_optplug\n"
             "names = {n for _, n in socket.if_nameindex()}\n"  # never dial out: no interface but lo
             "net = 'offline' if names <= {'lo'} else 'online: ' + ','.join(sorted(names))\n"
             "print(json.dumps({'demo': demo.WHERE, 'file': demo.__file__, 'prefix': sys.prefix,"
             " 'uid': os.getuid(), 'net': net}))\n")
    with open_sandbox("docker", ws) as sb:
        run_env: dict[str, str] = {}
        python, _ = use_environment(sb, env, run_env, None)
        assert sb.image != sb.base_image and sb.image.startswith("scaleagent-env:" + env.key)
        res = sb.run([python, "-c", probe], env=run_env, timeout=60)
    assert res.exit_code == 0, res.stderr
    seen = json.loads(res.stdout.strip().splitlines()[-1])
    assert seen == {"demo": "worktree", "file": "/workspace/src/demo/__init__.py", "prefix": ENV_DIR,
                    "uid": 65534, "net": "offline"}
    # cached: the same build of the venv is not committed again; a rebuilt venv (same key) gets a new image
    from sandboxes.docker_engine import _client, sandbox_image

    client = _client()
    before = sum(COMMITS.values())
    tag = ensure_image(client, env, sandbox_image())
    assert sum(COMMITS.values()) == before and tag == sb.image
    ready = Path(env.root) / ".ready"
    os.utime(ready, ns=(ready.stat().st_atime_ns, ready.stat().st_mtime_ns + 1_000_000_000))
    assert ensure_image(client, env, sandbox_image()) == tag and sum(COMMITS.values()) == before + 1
    client.close()


def test_env_build_sandbox_docker_makes_the_image_once(tmp_path, docker_ready):
    from typer.testing import CliRunner

    from agents.cli import app

    inst = _instance(tmp_path)
    (tmp_path / "inst.jsonl").write_text(inst.model_dump_json() + "\n")
    rows = []
    for _ in range(2):
        before = sum(COMMITS.values())
        res = CliRunner().invoke(app, ["env", "build", str(tmp_path / "inst.jsonl"), "--sandbox", "docker", "--json"])
        assert res.exit_code == 0, res.output
        rows.append((json.loads(res.stdout.strip().splitlines()[-1])[0]["status"], sum(COMMITS.values()) - before))
    assert rows[1] == ("cached", 0)  # the second run finds the venv and its image
    assert rows[0][0] == "built" and rows[0][1] <= 1  # 0: an earlier test in this session made the same image


REALWORLD = ROOT / "examples/realworld/build/instances.jsonl"


@pytest.mark.skipif(not REALWORLD.is_file(), reason="examples/realworld not built: python examples/realworld/build.py")
def test_realworld_src_layout_with_a_runtime_dependency_resolves_under_docker():
    """cattrs (src/ layout, needs attrs): its built environment, as an image, grades the gold patch resolved."""
    require_backend("docker")
    from agents.swe.grading import grade
    from agents.swe.instances import load_instances

    inst = {i.instance_id: i for i in load_instances(REALWORLD)}["cattrs-24.1.3"]
    rep = grade(inst, inst.patch, sandbox="docker", timeout=300)
    assert rep.status == "resolved", rep.reason


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q"]))
