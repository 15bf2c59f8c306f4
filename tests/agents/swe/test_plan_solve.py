"""`--plan FILE` on solve and run: the stages read the plan's k, temperature, share and model, and
run.json records the plan with its provenance; a bad plan is one line on stderr."""
import json
import subprocess
import sys

from swe_scripted import ROOT, scripted  # noqa: F401

from agents.models.scripted import ScriptedModel
from agents.swe import solve_instance
from budgets.plan import Plan, StagePlan


async def test_a_plan_sets_k_temperature_share_and_model_per_stage(wraptext, tmp_path):
    inst, src = wraptext
    seen = []
    main, _ = scripted(src, wrong_first=False, seen=seen)
    scout = ScriptedModel(default=lambda m, p: "wraptext/wrap.py::wrap", name="scout")
    plan = Plan(stages={"localize": StagePlan(k=1, model="scout", share=0.05),
                        "patch": StagePlan(k=3, temperature=0.3)})
    plan.provenance.method, plan.provenance.dev = "manual", ["wraptext-1"]
    res = await solve_instance(inst, model=main, run_dir=tmp_path / "run", mode="best_of_n", k=4,
                               models={"scout": scout}, plan=plan)
    assert res.model_patch
    # localization went to the plan's model, one sample; the run's model got no localize prompt
    assert len(scout.calls) == 1 and scout.calls[0]["params"]["n"] == 1
    assert not any("Which file and function" in c["messages"][-1]["content"] for c in main.calls)
    # patch: k=3, all on wrap.py (one localization vote, nothing else named: `focus`): the greedy plain
    # attempt and two samples at the plan's temperature
    assert sorted(t for t, _, _ in seen) == [0.0, 0.3, 0.3]
    meta = json.loads((tmp_path / "run" / "run.json").read_text())
    cfg = meta["config"]
    assert cfg["plan"]["stages"]["patch"] == {"k": 3, "temperature": 0.3}
    assert cfg["plan"]["provenance"]["dev"] == ["wraptext-1"]
    stages = {s["name"]: s for s in cfg["pipeline_config"]["stages"]}
    assert stages["localize"]["share"] == 0.05 and stages["localize"]["model"] == "scout"


def _cli(*args, cwd):
    return subprocess.run([sys.executable, "-m", "agents.cli", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=120, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)})


def test_bad_plans_on_solve_and_run_are_one_line_errors(wraptext, tmp_path):
    inst, _ = wraptext
    ifile = tmp_path / "inst.jsonl"
    ifile.write_text(json.dumps(inst.to_record()) + "\n")
    (tmp_path / "wrong-stage.yaml").write_text("stages:\n  patches: {k: 2}\n")
    (tmp_path / "too-much.yaml").write_text("stages:\n  patch: {share: 0.8}\n  localize: {share: 0.5}\n")
    cases = [(["solve", "--instance", str(ifile), "--plan", "none.yaml"], "does not exist"),
             (["solve", "--instance", str(ifile), "--plan", "too-much.yaml"], "add up to 1.300"),
             (["run", "swe", "--instance", str(ifile), "--plan", "wrong-stage.yaml", "--budget", "tokens=1k",
               "--run-dir", "r"], "patches that the pipeline does not have")]
    for args, needle in cases:
        r = _cli(*args, "--model", "local/smollm2-135m", cwd=tmp_path)
        assert r.returncode == 2, (args, r.stderr)
        assert "Traceback" not in r.stderr and needle in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "r").exists()   # refused before a run directory is written


async def test_a_plan_can_skip_the_reproduce_stage(wraptext, tmp_path):
    """`reproduce: {share: 0}`: no reproduction tests are written; the patch stage verifies its patches
    with the repository's own tests, and the run still ends with a patch."""
    from agents.config import load_budget

    inst, src = wraptext
    main, _ = scripted(src, wrong_first=False)
    plan = Plan(stages={"reproduce": StagePlan(share=0.0), "patch": StagePlan(share=0.7)})
    res = await solve_instance(inst, model=main, run_dir=tmp_path / "run", mode="scaled", k=2, plan=plan,
                               budget=load_budget("tokens=40k,run_tests=8", None))
    assert res.model_patch
    stages = [json.loads(line)["stage"] for line in (tmp_path / "run" / "trajectory.jsonl").read_text().splitlines()]
    assert "reproduce" not in stages and "patch" in stages
    assert main.calls and not any("You write minimal pytest tests" in c["messages"][0]["content"] for c in main.calls)
