"""`bench swe` / `web` / `gui`: a bad --executor or a stray --address is one line on stderr, exit 2, and
nothing is written (bench swe made its --out before the runner refused the executor)."""
import json
import subprocess
import sys

import pytest

from tests.bench.helpers import env


@pytest.mark.parametrize("args,needle", [
    (["swe", "i.jsonl", "--executor", "slurm"], "bad --executor 'slurm'"),
    (["web", "q.jsonl", "--executor", "slurm"], "bad --executor 'slurm'"),
    (["gui", "--tasks", "click-test", "--address", "auto"], "--address is for --executor ray"),
])
def test_a_bad_executor_is_one_line_and_writes_nothing(tmp_path, args, needle):
    (tmp_path / "i.jsonl").write_text(json.dumps({"instance_id": "a-1", "repo": str(tmp_path), "base_commit": "HEAD",
                                                  "problem_statement": "p"}) + "\n")
    (tmp_path / "q.jsonl").write_text(json.dumps({"id": "z", "question": "q?", "answers": ["a"]}) + "\n")
    r = subprocess.run([sys.executable, "-m", "agents.cli", "bench", *args, "--out", str(tmp_path / "out"), "--json"],
                       cwd=tmp_path, env=env(), capture_output=True, text=True, timeout=300)
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert r.returncode == 2 and r.stdout == "" and len(lines) == 1 and needle in lines[0], r.stderr
    assert not (tmp_path / "out").exists()
