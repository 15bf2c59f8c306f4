"""One run entry: every pipeline registers itself (the registry names no task kind), `swe` among
them, and `run`, `resume`, `report` work for it through the registry; no pipeline imports the CLI."""
import ast
import json
import os
import subprocess
import sys
from pathlib import Path

from tests.agents.test_run_lock import error_lines
from tests.fakes.openai_server import FakeOpenAIServer

ROOT = Path(__file__).resolve().parents[2]


def imports_of(path: Path) -> set[str]:
    mods = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            mods |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            mods.add(node.module)
    return mods


def test_the_registry_discovers_every_kind_and_imports_none():
    from agents import pipelines

    assert {"humaneval", "humaneval-single", "swe"} <= set(pipelines.names())
    mods = imports_of(ROOT / "agents" / "pipelines.py")
    assert not any(m.startswith(("agents.swe", "agents.humaneval", "agents.cli")) for m in mods), mods
    source = (ROOT / "agents" / "pipelines.py").read_text()
    assert '"swe"' not in source and '"humaneval' not in source


def test_no_pipeline_imports_the_cli():
    for kind in ("swe", "humaneval"):
        for path in (ROOT / "agents" / kind).glob("*.py"):
            bad = [m for m in imports_of(path) if m.startswith("agents.cli")]
            assert not bad, f"{path} imports {bad}"


def cli(*args, cwd):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "agents.cli", *args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=300)


def test_run_resume_report_a_swe_instance_through_the_registry(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "calc.py").write_text("def add(a, b):\n    return a - b\n")
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@t", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@t")
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "base"]):
        subprocess.run(["git", *args], cwd=repo, check=True, env=env, capture_output=True)
    sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True).stdout.strip()
    rec = {"instance_id": "calc-1", "repo": "repo", "base_commit": sha, "problem_statement": "add() subtracts"}
    (tmp_path / "inst.jsonl").write_text(json.dumps(rec) + "\n")
    with FakeOpenAIServer() as server:
        api = ["--model", "openai/fake-model", "--api-base", server.url, "--sandbox", "local"]
        r = cli("run", "swe", "--instance", "inst.jsonl", "-p", "calc-1", *api, "--budget", "model_calls=3",
                "--k", "2", "--run-dir", "run", "--json", cwd=tmp_path)
        assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
        out = json.loads(r.stdout)
        assert out["pipeline"] == "swe" and out["task_id"] == "calc-1" and "patch" in out and "checks" in out
        cfg = json.loads((tmp_path / "run" / "run.json").read_text())["config"]
        assert cfg["pipeline"] == "swe" and Path(cfg["instance"]["repo"]) == repo.resolve()
        assert (tmp_path / "run" / "predictions.jsonl").is_file() and (tmp_path / "run" / "patch.diff").is_file()
        # resume from another directory: the config alone rebuilds the run (repo path made absolute)
        (tmp_path / "elsewhere").mkdir()
        again = cli("resume", str(tmp_path / "run"), "--json", cwd=tmp_path / "elsewhere")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["steps"] == out["steps"] and json.loads(again.stdout)["pipeline"] == "swe"
    rep = cli("report", "run", "--json", cwd=tmp_path)
    assert rep.returncode == 0 and json.loads(rep.stdout)["pipeline"] == "swe"
    assert len(json.loads(rep.stdout)["steps"]) == out["steps"]


def test_run_names_its_inputs_per_kind(tmp_path):
    r = cli("run", "swe", "-p", "x", "--model", "openai/fake", "--api-base", "http://127.0.0.1:9/v1", cwd=tmp_path)
    lines = error_lines(r.stderr)
    assert r.returncode == 2 and len(lines) == 1 and "--instance" in lines[0], r.stderr
    r = cli("run", "humaneval", cwd=tmp_path)
    assert r.returncode == 2 and "--problem" in error_lines(r.stderr)[0]


def test_run_swe_with_a_missing_repository_writes_nothing(tmp_path):
    rec = {"instance_id": "q-1", "repo": str(tmp_path), "base_commit": "abc", "problem_statement": "p"}
    (tmp_path / "i.jsonl").write_text(json.dumps(rec) + "\n")
    r = cli("run", "swe", "--instance", "i.jsonl", "--model", "openai/fake", "--api-base", "http://127.0.0.1:9/v1",
            "--sandbox", "local", cwd=tmp_path)
    lines = error_lines(r.stderr)
    assert r.returncode == 2 and len(lines) == 1 and "not a git repository" in lines[0], r.stderr
    assert not (tmp_path / "runs").exists()
