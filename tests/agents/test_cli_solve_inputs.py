"""`scaleagent solve` inputs: an --issue that names a directory or a missing file is an error (not
the issue text), and a repository holding absolute symlinks is solved without a traceback (its
links are left out of the read-only view, never followed)."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.agents.test_run_lock import error_lines
from tests.fakes.openai_server import FakeOpenAIServer

ROOT = Path(__file__).resolve().parents[2]


def cli(*args, cwd, timeout=300):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "agents.cli", *args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=timeout)


def git_repo(path: Path, files: dict[str, str], links: dict[str, str] = {}) -> Path:
    path.mkdir()
    for name, text in files.items():
        (path / name).write_text(text)
    for name, target in links.items():
        os.symlink(target, path / name)
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@t", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@t")
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "base"]):
        subprocess.run(["git", *args], cwd=path, check=True, env=env, capture_output=True)
    return path


@pytest.mark.parametrize("issue,needle", [("adir", "is a directory"), ("missing.md", "no such file"),
                                          ("notes/issue", "no such file"), ("./x", "no such file")])
def test_an_issue_path_that_is_not_a_file_is_an_error(tmp_path, issue, needle):
    git_repo(tmp_path / "repo", {"m.py": "x = 1\n"})
    (tmp_path / "adir").mkdir()
    r = cli("solve", "--repo", "repo", "--issue", issue, "--model", "openai/fake", "--api-base",
            "http://127.0.0.1:9/v1", "--sandbox", "local", cwd=tmp_path, timeout=120)
    lines = error_lines(r.stderr)
    assert r.returncode == 2 and len(lines) == 1 and needle in lines[0] and issue in lines[0], r.stderr
    assert not (tmp_path / "runs").exists()


def test_a_repository_with_absolute_symlinks(tmp_path):
    secret = tmp_path / "outside.txt"
    secret.write_text("HOST FILE\n")
    git_repo(tmp_path / "repo", {"calc.py": "def add(a, b):\n    return a - b\n"},
             links={"abs_link": str(secret), "etc_link": "/etc", "up_link": "../outside.txt", "ok_link": "calc.py"})
    (tmp_path / "issue.md").write_text("add() subtracts instead of adding\n")
    with FakeOpenAIServer() as server:
        r = cli("solve", "--repo", "repo", "--issue", "issue.md", "--mode", "single", "--model", "openai/fake-model",
                "--api-base", server.url, "--sandbox", "local", "--budget", "model_calls=4", "--run-dir", "run",
                cwd=tmp_path)
    assert "Traceback" not in r.stderr + r.stdout, r.stderr
    assert r.returncode == 0, r.stderr
    view = tmp_path / "run" / "src"
    assert (view / "calc.py").is_file() and (view / "ok_link").is_symlink()
    for name in ("abs_link", "etc_link", "up_link"):
        assert not os.path.lexists(view / name)
