"""`scaleagent tune swe` end to end on the wraptext example with scripted models (the pipeline's and
the tuner's): trials really run the SWE pipeline and grade on the hidden tests, the best plan is
written as YAML that `solve --plan` loads; bad input is one line."""
import json
import subprocess
import sys

import pytest
import yaml
from swe_scripted import ROOT, scripted  # noqa: F401

from agents.cli_tune import tune_command
from agents.models.scripted import ScriptedModel
from budgets.plan import Plan


def _dev_file(inst, tmp_path):
    f = tmp_path / "dev.jsonl"
    f.write_text(json.dumps(inst.to_record()) + "\n")
    return f


def test_tune_compare_writes_the_best_plan_with_provenance(wraptext, tmp_path):
    from sandboxes import available_backends

    sandbox_backend = "bwrap" if available_backends().get("bwrap") is None else "local"
    inst, src = wraptext
    agent, _ = scripted(src, wrong_first=False)
    plan_reply = json.dumps({"reason": "patch needs the budget", "stages": {
        "localize": {"share": 0.1, "k": 1}, "reproduce": {"share": 0.2, "k": 1},
        "patch": {"share": 0.6, "k": 2, "temperature": 0.4}, "select": {"share": 0.1}}})
    tuner = ScriptedModel(default=plan_reply, name="tuner")
    out = tmp_path / "plan.yaml"
    summary = tune_command(pipeline="swe", dev=_dev_file(inst, tmp_path), ids=None, trials=1, method="compare",
                           model="scripted", budget="tokens=40k,run_tests=12", budget_file=None,
                           tuner_model="tuner", stage_models=None, mode="best_of_n", k=2, out=out,
                           run_dir=tmp_path / "runs", seed=0, sandbox=sandbox_backend, price=None, as_json=True,
                           models={"scripted": agent, "tuner": tuner})
    assert set(summary["methods"]) == {"uniform", "random", "agentts"}
    assert all(m["trials"] == 1 for m in summary["methods"].values())      # equal tuning cost
    assert summary["methods"]["agentts"]["best_solved"] == 1                # graded on the hidden tests
    assert summary["methods"]["agentts"]["best_tests"] == 1.0               # resolved: full partial credit
    assert len(tuner.calls) == 1 and summary["methods"]["agentts"]["tuner_tokens"] > 0
    plan = Plan.load(out)
    assert plan.provenance.method == summary["winner"] and plan.provenance.dev == ["wraptext-1"]
    assert plan.provenance.budget == "tokens=40000,run_tests=12"
    assert [h["tests"] for h in plan.provenance.model_extra["history"]] == [1.0]
    for m in ("uniform", "random", "agentts"):
        assert Plan.load(tmp_path / f"plan.{m}.yaml").provenance.method == m
    agentts = yaml.safe_load((tmp_path / "plan.agentts.yaml").read_text())
    assert agentts["stages"]["patch"] == {"share": 0.6, "k": 2, "temperature": 0.4}
    runs = list((tmp_path / "runs" / "agentts").glob("trial-0/*/run.json"))
    assert runs and json.loads(runs[0].read_text())["config"]["plan"]["stages"]["patch"]["k"] == 2


def test_a_start_plan_is_measured_once_and_is_each_searchs_first_trial(wraptext, tmp_path):
    """`--start FILE`: the plan runs once (under run_dir/start), counts as trial 0 of random and agentts
    (with --trials 1 neither measures anything else, the tuner is not asked), and the written plan records it."""
    from sandboxes import available_backends

    sandbox_backend = "bwrap" if available_backends().get("bwrap") is None else "local"
    inst, src = wraptext
    agent, _ = scripted(src, wrong_first=False)
    tuner = ScriptedModel(default="{}", name="tuner")
    start = tmp_path / "start.yaml"
    start.write_text("stages:\n  localize: {share: 0.1, k: 1}\n  reproduce: {share: 0}\n"
                     "  patch: {share: 0.8, k: 2, temperature: 0.4}\n  select: {share: 0.1}\n")
    out = tmp_path / "plan.yaml"
    summary = tune_command(pipeline="swe", dev=_dev_file(inst, tmp_path), ids=None, trials=1, method="compare",
                           model="scripted", budget="tokens=40k,run_tests=12", budget_file=None,
                           tuner_model="tuner", stage_models=None, mode="best_of_n", k=2, out=out,
                           run_dir=tmp_path / "runs", seed=0, sandbox=sandbox_backend, price=None, as_json=True,
                           models={"scripted": agent, "tuner": tuner}, start=[start])
    assert summary["methods"]["random"]["best_solved"] == summary["methods"]["agentts"]["best_solved"] == 1
    assert tuner.calls == [] and summary["methods"]["agentts"]["tuner_tokens"] == 0
    assert list((tmp_path / "runs" / "start").glob("trial-0/*/run.json"))
    assert not list((tmp_path / "runs" / "random").glob("trial-*")) and not (tmp_path / "runs" / "agentts").exists()
    assert list((tmp_path / "runs" / "uniform").glob("trial-0/*/run.json"))       # the uniform split still runs
    plan = Plan.load(tmp_path / "plan.agentts.yaml")
    assert plan.stages["reproduce"].share == 0 and plan.stages["patch"].k == 2
    assert plan.provenance.model_extra["start"] == [str(start)]
    assert plan.provenance.model_extra["history"][0]["why"] == "start plan 1 (given)"
    assert plan.provenance.model_extra["best"] == {"trial": 0, "why": "start plan 1 (given)"}   # given, not found


def test_bad_tune_input_is_one_line(wraptext, tmp_path):
    inst, _ = wraptext
    dev = _dev_file(inst, tmp_path)
    two, alien = tmp_path / "two.yaml", tmp_path / "alien.yaml"
    two.write_text("stages:\n  patch: {share: 0.8, k: 2}\n")
    alien.write_text("stages:\n  bogus: {share: 0.5}\n")
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    cases = [(["tune", "humaneval", "--dev", str(dev), "--budget", "tokens=1k"], "supports the swe pipeline"),
             (["tune", "swe", "--dev", str(dev)], "needs a per-task --budget"),
             (["tune", "swe", "--dev", str(dev), "--budget", "tokens=1k", "--method", "grid"], "bad --method"),
             (["tune", "swe", "--dev", str(dev), "--budget", "tokens=1k", "--ids", "nope-1"], "no instance 'nope-1'"),
             (["tune", "swe", "--dev", str(dev), "--budget", "tokens=1k", "--start", "nope.yaml"], "does not exist"),
             (["tune", "swe", "--dev", str(dev), "--budget", "tokens=1k", "--trials", "1", "--start", str(two),
               "--start", str(two)], "2 start plans but --trials 1"),
             (["tune", "swe", "--dev", str(dev), "--budget", "tokens=1k", "--start", str(alien)], "bogus")]
    for args, needle in cases:
        r = subprocess.run([sys.executable, "-m", "agents.cli", *args, "--model", "local/smollm2-135m"],
                           capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)
        assert r.returncode == 2 and "Traceback" not in r.stderr, (args, r.stderr)
        assert needle in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr


@pytest.mark.slow
def test_tune_on_the_embedded_model(wraptext, tmp_path):
    """One AgentTTS trial with smollm2 as both the tuner and the agent, under a small budget: the
    tuner's reply (JSON or not) becomes a valid plan, the trial runs and is graded, the plan is written."""
    inst, _ = wraptext
    out = tmp_path / "plan.yaml"
    summary = tune_command(pipeline="swe", dev=_dev_file(inst, tmp_path), ids=None, trials=1, method="agentts",
                           model="local/smollm2-135m", budget="tokens=1000,run_tests=2", budget_file=None,
                           tuner_model=None, stage_models=None, mode="best_of_n", k=2, out=out,
                           run_dir=tmp_path / "runs", seed=0, sandbox="bwrap", price=None, as_json=True)
    assert summary["methods"]["agentts"]["trials"] == 1 and summary["methods"]["agentts"]["tuner_tokens"] > 0
    plan = Plan.load(out)
    assert set(plan.stages) == {"localize", "reproduce", "patch", "select"} and plan.provenance.method == "agentts"
