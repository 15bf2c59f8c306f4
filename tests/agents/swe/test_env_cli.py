"""`scaleagent env build`: every instance's environment, one line each, exit 1 when one failed;
a second run finds them cached."""
from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "sandboxes"))
from pyenv_helpers import make_repo, offline_index, pyproject  # noqa: E402
from typer.testing import CliRunner  # noqa: E402


def test_env_build_reports_each_instance_and_caches(tmp_path, monkeypatch):
    from agents.cli import app

    offline_index(monkeypatch, tmp_path)
    good = make_repo(tmp_path / "good", {**pyproject("good", ["depdemo"]), "good.py": "X = 1\n"})
    bad = make_repo(tmp_path / "bad", {**pyproject("bad", ["no-such-package-zq"]), "bad.py": ""})
    plain = make_repo(tmp_path / "plain", {"plain.py": "X = 1\n"})
    rows = [{"instance_id": n, "repo": str(tmp_path / n), "base_commit": c, "problem_statement": "p"}
            for n, c in (("good", good), ("bad", bad), ("plain", plain))]
    inst_file = tmp_path / "instances.jsonl"
    inst_file.write_text("".join(json.dumps(r) + "\n" for r in rows))
    first = CliRunner().invoke(app, ["env", "build", str(inst_file), "--json"])
    assert first.exit_code == 1
    out = {r["instance_id"]: r for r in json.loads(first.stdout.strip().splitlines()[-1])}
    assert out["good"]["status"] == "built" and out["plain"]["status"] == "not needed"
    assert out["bad"]["status"] == "error" and "no-such-package-zq" in out["bad"]["reason"]
    said = first.stderr  # one line each, in the words `solve` and `bench` use too (pyenv.describe)
    assert "good: built in " in said and "plain: not needed" in said and "bad: error: " in said, said
    again = CliRunner().invoke(app, ["env", "build", str(inst_file), "--ids", "good", "--json"])
    assert again.exit_code == 0
    assert json.loads(again.stdout.strip().splitlines()[-1])[0]["status"] == "cached"
    assert "good: cached" in again.stderr


def test_describe_words_every_status():
    from sandboxes.pyenv import describe

    assert describe({"status": "built", "seconds": 41.6}) == "built in 42 s"
    assert [describe({"status": s}) for s in ("cached", "not needed")] == ["cached", "not needed"]
    assert describe({"status": "error", "reason": "pip install failed: x"}) == "error: pip install failed: x"
    assert describe({"status": "error"}) == "error: the build failed" and describe(None) == "unknown"
