"""Bad input through the real CLI: one line on stderr, non-zero exit, no traceback, nothing written."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def cli(*args, cwd):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "agents.cli", *args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=120)


@pytest.mark.parametrize("args,needle", [
    (["run", "humaneval", "-p", "0", "--budget", "usd=lots"], "bad value 'lots'"),
    (["run", "humaneval", "-p", "0", "--budget", "tokens"], "expected KEY=VALUE"),
    (["run", "humaneval", "-p", "0", "--model", "nosuchprovider/x"], "unknown model"),
    (["run", "humaneval", "-p", "0", "--model", "local/nosuch"], "local/"),
    (["run", "humaneval", "-p", "9999"], "unknown HumanEval id"),
    (["run", "nosuchpipeline", "-p", "0"], "unknown pipeline"),
    (["run", "humaneval", "-p", "0", "--budget-file", "missing.yaml"], "does not exist"),
    (["run", "humaneval", "-p", "0", "--budget-file", "broken.yaml"], "invalid YAML"),
    (["run", "humaneval", "-p", "0", "--sandbox", "vm"], "unknown sandbox"),
    (["run", "humaneval", "-p", "0", "--price", "cheap"], "bad --price"),
    (["resume", "no_such_run"], "not a scaleagent run directory"),
    (["report", "no_such_run"], "not a scaleagent run directory"),
    (["bench", "mmlu"], "unknown benchmark"),
    (["models", "pull", "local/nosuch"], "local/"),
    # usage errors (click's own format was a usage line, a hint and a framed box)
    (["ask", "q", "--k", "0"], "Invalid value for '--k'"),
    (["ask"], "Missing argument 'question'"),
    (["nosuchcmd"], "No such command 'nosuchcmd'"),
    (["bench", "web", "q.jsonl", "--bogus"], "No such option: --bogus"),
    (["tune", "swe", "--trials", "zero"], "see `scaleagent tune --help`"),
])
def test_bad_input_is_one_line(tmp_path, args, needle):
    (tmp_path / "broken.yaml").write_text("usd: [0.5\n")
    r = cli(*args, cwd=tmp_path)
    assert r.returncode != 0
    assert "Traceback" not in r.stderr and "Traceback" not in r.stdout
    lines = [line for line in r.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, r.stderr
    assert needle in lines[0] and lines[0].startswith("scaleagent: error:")
    assert not (tmp_path / "runs").exists()


def test_the_command_alone_prints_its_help(tmp_path):
    r = cli(cwd=tmp_path)
    assert r.returncode == 2 and "Usage: scaleagent" in r.stdout + r.stderr and "Traceback" not in r.stderr
    assert "ask" in r.stdout + r.stderr


def test_help_lists_commands(tmp_path):
    r = cli("--help", cwd=tmp_path)
    assert r.returncode == 0
    for cmd in ("run", "resume", "report", "bench", "models"):
        assert cmd in r.stdout
