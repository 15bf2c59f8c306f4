"""Output places and run files the CLI cannot use: one line on stderr, a non-zero exit, no
traceback, nothing half-written (an --out that is a file or cannot be written, a --run-dir that is a
file, a damaged trajectory, a run.json with a bad budget or no config, --offset past the end)."""
import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.agents.test_run_lock import error_lines

ROOT = Path(__file__).resolve().parents[2]
API = ["--model", "openai/fake", "--api-base", "http://127.0.0.1:9/v1", "--sandbox", "local"]


def process_cli(*args, cwd):
    env = dict(os.environ, PYTHONPATH=str(ROOT), SCALEAGENT_MODEL_RETRIES="0")  # calls to a closed port: no backoff
    return subprocess.run([sys.executable, "-m", "agents.cli", *args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=180)


@pytest.fixture
def cli(capsys, monkeypatch):
    """The CLI in this process (as `scaleagent` runs it: run_cli around the typer app)."""
    from agents.cli import app
    from agents.cli_support import run_cli

    def invoke(*args, cwd):
        monkeypatch.chdir(cwd)
        with pytest.raises(SystemExit) as exc:
            run_cli(app, list(args))
        out = capsys.readouterr()
        return SimpleNamespace(returncode=exc.value.code, stdout=out.out, stderr=out.err)
    return invoke


def one_line(r, needle):
    lines = error_lines(r.stderr)
    assert r.returncode != 0 and "Traceback" not in r.stderr + r.stdout, r.stderr
    assert len(lines) == 1 and lines[0].startswith("scaleagent: error:") and needle in lines[0], r.stderr


def unwritable(tmp_path: Path) -> Path:
    """A directory path nothing can be written in: sysfs refuses even root; others get a 0555 dir."""
    if os.geteuid() == 0:
        return Path("/sys/scaleagent-test-out")
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    return ro / "out"


def _instances(tmp_path: Path) -> None:
    rec = {"instance_id": "x-1", "repo": str(tmp_path), "base_commit": "HEAD", "problem_statement": "p"}
    (tmp_path / "inst.jsonl").write_text(json.dumps(rec) + "\n")
    (tmp_path / "preds.jsonl").write_text(json.dumps({"instance_id": "x-1", "model_patch": ""}) + "\n")


COMMANDS = {
    "bench swe": ["bench", "swe", "inst.jsonl", "--predictions", "preds.jsonl", "--sandbox", "local", "--out"],
    "bench swe (solving)": ["bench", "swe", "inst.jsonl", *API, "--out"],
    "bench humaneval": ["bench", "humaneval", "--limit", "1", *API, "--out"],
    "run": ["run", "humaneval", "-p", "0", *API, "--run-dir"],
    "solve": ["solve", "--instance", "inst.jsonl", *API, "--run-dir"],
}


@pytest.mark.parametrize("command,where", [(c, w) for c in COMMANDS for w in ("a file", "unwritable")]
                         + [("bench swe", "under a file"), ("solve", "under a file")])
def test_an_output_place_that_cannot_be_used_is_one_line(cli, tmp_path, command, where):
    _instances(tmp_path)
    (tmp_path / "afile").write_text("keep")
    target = {"a file": tmp_path / "afile", "under a file": tmp_path / "afile" / "out",
              "unwritable": unwritable(tmp_path)}[where]
    r = cli(*COMMANDS[command], str(target), cwd=tmp_path)
    one_line(r, str(target))
    assert (tmp_path / "afile").read_text() == "keep" and not target.is_dir()
    assert not (tmp_path / "runs").exists()


def _run_dir(tmp_path: Path, config, trajectory: str | None = None) -> Path:
    d = tmp_path / "run"
    d.mkdir()
    meta = {"run_id": "abc123", "version": 2, "task": {"id": "HumanEval/0", "kind": "humaneval"}}
    if config is not None:
        meta["config"] = config
    (d / "run.json").write_text(json.dumps(meta))
    if trajectory is not None:
        (d / "trajectory.jsonl").write_text(trajectory)
    return d


GOOD = {"pipeline": "humaneval", "options": {}, "task_id": "HumanEval/0", "model": "openai/fake",
        "budget": {"model_calls": 1}, "sandbox": "local", "api_base": "http://127.0.0.1:9/v1", "price": None}


@pytest.mark.parametrize("trajectory,needle", [("garbage\n", "line 1 is not a step record"),
                                               ('{"stage": "s", "step": 0, "mode": "sam', "line 1"),
                                               ("\x00\x01\xff\n", "line 1"), ("[1, 2]\n", "line 1")])
def test_report_on_a_damaged_trajectory(cli, tmp_path, trajectory, needle):
    d = _run_dir(tmp_path, GOOD, trajectory)
    for extra in ([], ["--json"]):
        one_line(cli("report", str(d), *extra, cwd=tmp_path), needle)


@pytest.mark.parametrize("config,needle", [
    (None, "holds no run config"),
    ({"model": "x"}, "holds no run config"),
    (GOOD | {"budget": {"tokns": 5}}, "budget"),
    (GOOD | {"budget": "lots"}, "budget"),
    (GOOD | {"pipeline": "nosuch"}, "unknown pipeline 'nosuch'"),
    (GOOD | {"model": None}, "no 'model'"),
])
def test_resume_with_a_bad_run_config(cli, tmp_path, config, needle):
    d = _run_dir(tmp_path, config)
    before = sorted(p.name for p in d.iterdir())
    one_line(cli("resume", str(d), cwd=tmp_path), needle)
    assert sorted(p.name for p in d.iterdir()) == before


def test_resume_with_a_run_json_that_is_not_a_run(cli, tmp_path):
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "run.json").write_text("[1, 2]")
    one_line(cli("resume", "run", cwd=tmp_path), "not a scaleagent run record")


def test_bench_humaneval_offset_past_the_end(cli, tmp_path):
    one_line(cli("bench", "humaneval", "--offset", "500", *API, "--out", "out", cwd=tmp_path), "--offset 500")
    assert not (tmp_path / "out").exists()


def test_bench_humaneval_bad_seed(cli, tmp_path):
    one_line(cli("bench", "humaneval", "--seed", "0,x", *API, "--out", "out", cwd=tmp_path), "bad --seed '0,x'")
    assert not (tmp_path / "out").exists()


def test_through_a_process(tmp_path):
    """The same through a real `python -m agents.cli` process: a garbage trajectory, an --out file."""
    d = _run_dir(tmp_path, GOOD, "garbage\n")
    one_line(process_cli("report", str(d), cwd=tmp_path), "line 1 is not a step record")
    (tmp_path / "afile").write_text("keep")
    one_line(process_cli(*COMMANDS["run"], "afile", cwd=tmp_path), "afile is not a directory")
