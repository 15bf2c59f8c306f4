"""The patch controller's spending rules, end to end on wraptext with a scripted model: a round of
malformed replies is sampled again on the same targets (not re-localized), and independent samples
that agree on an edit that verifies as far as the tests tell end the stage early."""
import json

from swe_scripted import ROOT, scripted, wrap_model  # noqa: F401

from agents.swe import solve_instance

REPRO_OK = ("```python\nfrom wraptext import wrap\n\ndef test_exact():\n"
            "    assert wrap('aaa bbb', width=7) == ['aaa bbb']\n```")
# expects a wrong value: even the right fix fails it, but it fails differently than on the base
REPRO_WRONG = ("```python\nfrom wraptext import wrap\n\ndef test_exact():\n"
               "    assert wrap('aaa bbb', width=7) == ['aaa', ' bbb']\n```")


def _steps(run_dir):
    return [json.loads(line) for line in (run_dir / "trajectory.jsonl").read_text().splitlines()]


async def test_a_round_of_malformed_patches_is_sampled_again_not_relocalized(wraptext, tmp_path):
    inst, src = wraptext
    fixed = src.replace("current_len + needed >= width", "current_len + needed > width")
    calls = {"n": 0}

    def patch(prompt):
        calls["n"] += 1
        # the first round: all K=4 samples on wrap.py (the localization is unanimous: `focus`), all malformed
        return "I am not sure what to change." if calls["n"] <= 4 else "```python\n" + fixed + "```"

    model = wrap_model(REPRO_OK, patch, fenced=False)
    res = await solve_instance(inst, model=model, run_dir=tmp_path / "run", mode="scaled", k=4)
    steps = _steps(tmp_path / "run")
    assert [s["stage"] for s in steps].count("localize") == 1          # before: a pivot re-localized
    patch_steps = [s for s in steps if s["stage"] == "patch"]
    assert patch_steps[0]["decision"]["action"] == "dig_deeper"
    assert "sample the same targets again" in patch_steps[0]["decision"]["reason"]
    assert patch_steps[1]["decision"]["action"] == "accept"
    assert "current_len + needed > width" in res.model_patch


async def test_agreeing_first_samples_that_verify_end_the_stage(wraptext, tmp_path):
    inst, src = wraptext
    fixed = src.replace("current_len + needed >= width", "current_len + needed > width")
    res = await solve_instance(inst, model=wrap_model(REPRO_WRONG, lambda p: fixed), run_dir=tmp_path / "run",
                               mode="scaled", k=4)
    patch_steps = [s for s in _steps(tmp_path / "run") if s["stage"] == "patch"]
    assert len(patch_steps) == 1                                        # before: refined against the wrong test
    d = patch_steps[0]["decision"]
    assert d["action"] == "accept" and "the first candidates agree" in d["reason"], d
    assert "current_len + needed > width" in res.model_patch


async def test_focus_sends_every_sample_to_the_file_the_localization_agrees_on(wraptext, tmp_path):
    """With the patch stage's `focus` (default 2.0, as in examples/swe/demo_plan.yaml), unanimous
    localization votes put all K patch samples on wrap.py; with `focus: 0` half of them hedge on the
    runner-up file."""
    from budgets.plan import Plan

    inst, src = wraptext
    fixed = src.replace("current_len + needed >= width", "current_len + needed > width")
    targets = {}
    hedge = Plan.model_validate({"stages": {"patch": {"settings": {"focus": 0.0}}}})
    for name, plan in (("hedge", hedge), ("focus", None)):
        model = wrap_model(REPRO_OK, lambda p: fixed)
        await solve_instance(inst, model=model, run_dir=tmp_path / name, mode="best_of_n", k=4, plan=plan)
        steps = _steps(tmp_path / name)
        patch = next(s for s in steps if s["stage"] == "patch")
        targets[name] = sorted(c["content"]["file"] for c in patch["candidates"] if c.get("content"))
        run = json.loads((tmp_path / name / "run.json").read_text())
        assert next(s for s in run["config"]["pipeline_config"]["stages"]
                    if s["name"] == "patch")["focus"] == (0.0 if plan else 2.0)
    assert targets["focus"] == ["wraptext/wrap.py"] * 4
    assert targets["hedge"].count("wraptext/wrap.py") == 2



async def test_a_patch_sample_that_does_not_fit_at_its_cap_runs_with_a_lower_one(wraptext, tmp_path):
    """The patch stage accepts a lower output cap (`min_tokens`) when its full one does not fit: over
    a range of tight budgets some patch call runs lowered (one sample, a cap between the two), where
    before it was refused and the stage stopped with tokens left."""
    from budgets import Budget

    inst, _ = wraptext
    lowered = []
    for tokens in range(4000, 5300, 100):
        model = wrap_model(REPRO_WRONG, lambda p: "I am not sure.")
        await solve_instance(inst, model=model, run_dir=tmp_path / f"run{tokens}", mode="scaled", k=4,
                             budget=Budget.parse(f"tokens={tokens},run_tests=8"))
        calls = [c["params"] for c in model.calls if "File wraptext/wrap.py" in c["messages"][-1]["content"]]
        assert all(p["min_tokens"] and p["min_tokens"] <= p["max_tokens"] for p in calls), calls
        full = max((p["max_tokens"] for p in calls), default=0)
        lowered += [p for p in calls if p["max_tokens"] < full and p["min_tokens"] > 256]
    assert lowered and all(p["n"] == 1 for p in lowered), lowered
