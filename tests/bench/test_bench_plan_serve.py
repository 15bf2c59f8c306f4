"""`bench KIND --plan FILE` and `--serve`: the allocation plan reaches every arm's runs (applied by pipelines.execute,
kept in run.json), and a plan naming a stage the pipeline lacks is one error before anything is written."""
import json

from tests.bench.helpers import run_cli


def test_a_plan_reaches_every_run_and_its_k_is_applied(tmp_path):
    plan = tmp_path / "plan.yaml"
    plan.write_text("stages:\n  answer: {k: 3}\nprovenance: {method: hand}\n")
    out = tmp_path / "out"
    r = run_cli(out, 2, "--plan", str(plan))
    assert r.returncode == 0, r.stderr
    runs = sorted((out / "arms").glob("*/*/run.json"))
    assert len(runs) == 2
    for path in runs:
        cfg = json.loads(path.read_text())["config"]
        assert cfg["plan"]["stages"]["answer"]["k"] == 3
        assert cfg["pipeline_config"]["stages"][0]["k"] == 3  # applied to the stage, not only recorded


def test_a_plan_for_another_pipeline_is_refused_before_anything_is_written(tmp_path):
    plan = tmp_path / "plan.yaml"
    plan.write_text("stages:\n  patch: {k: 3}\n")
    out = tmp_path / "out"
    r = run_cli(out, 2, "--plan", str(plan))
    assert r.returncode != 0
    assert "patch" in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_serve_on_a_bench_takes_one_vllm_model_and_says_so_in_one_line(tmp_path):
    out = tmp_path / "out"
    two = run_cli(out, 1, "--serve", "--model", "hosted_vllm/a,hosted_vllm/b")
    local = run_cli(out, 1, "--serve")  # the scripted model is not a vLLM model
    for r, words in ((two, "one --model"), (local, "hosted_vllm/")):
        assert r.returncode == 2 and words in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert not out.exists()
