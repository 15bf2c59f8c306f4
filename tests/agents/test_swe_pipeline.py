"""The SWE pipeline end to end on a real example repository, with a scripted model: localization
from the model's (tolerantly matched) answer, a reproduction test kept because it fails at the base
commit, a wrong patch refined with its test failures, selection by test vote; plus the modes."""
from swe_scripted import ROOT, scripted, wrap_model  # noqa: F401

from agents.models.scripted import ScriptedModel
from agents.swe import solve_instance


async def test_scaled_digs_deeper_from_a_wrong_patch_to_the_fix(wraptext, tmp_path):
    inst, src = wraptext
    model, fixed = scripted(src)
    res = await solve_instance(inst, model=model, run_dir=tmp_path / "run", mode="scaled", k=2)
    assert "-            if current and current_len + needed >= width:" in res.model_patch
    assert "+            if current and current_len + needed > width:" in res.model_patch
    import json
    steps = [json.loads(line) for line in (tmp_path / "run" / "trajectory.jsonl").read_text().splitlines()]
    patch_steps = [s for s in steps if s["stage"] == "patch"]
    assert patch_steps[0]["decision"]["action"] == "dig_deeper"
    assert patch_steps[1]["mode"] == "refine" and patch_steps[1]["decision"]["action"] == "accept"
    repro = [s for s in steps if s["stage"] == "reproduce"][0]
    assert any(v["passed"] for v in repro["verdicts"])
    assert res.spend["tool_calls"]["run_tests"] >= 4
    pred = json.loads((tmp_path / "run" / "predictions.jsonl").read_text())
    assert pred["instance_id"] == inst.instance_id and pred["model_patch"] == res.model_patch


async def test_single_mode_makes_one_greedy_patch(wraptext, tmp_path):
    inst, src = wraptext
    model, _ = scripted(src, wrong_first=False)
    res = await solve_instance(inst, model=model, run_dir=tmp_path / "run", mode="single")
    assert "needed > width" in res.model_patch and res.steps == 2
    assert "run_tests" not in res.spend["tool_calls"]
    assert res.checks == {"verified": False}


async def test_unusable_model_output_yields_no_patch_not_a_crash(wraptext, tmp_path):
    inst, _ = wraptext
    res = await solve_instance(inst, model=ScriptedModel(default="I am not sure."), run_dir=tmp_path / "run",
                               mode="scaled", k=2)
    assert res.model_patch == "" and res.status in ("completed", "budget_exhausted")


def test_a_verifier_given_to_a_swe_stage_is_kept():
    """Reproduce, Patch and Select bring their own verifier only when the caller gives none."""
    from agents.swe.patch import Patch, PatchVerifier
    from agents.swe.reproduce import Reproduce, _ReproVerifier
    from agents.swe.select import Select, _Recorded

    class Mine:
        async def verify(self, ctx, cands):
            return []

    for cls, default in ((Reproduce, _ReproVerifier), (Patch, PatchVerifier), (Select, _Recorded)):
        mine = Mine()
        assert cls(verifier=mine).verifier is mine
        assert type(cls().verifier) is default


async def test_a_budget_too_small_to_localize_falls_back_to_the_lexical_ranking(wraptext, tmp_path):
    """Localize's share of a tight budget may not afford one model call: the free lexical ranking
    then decides the files, and the patch stage still runs (it used to crash the solve)."""
    import json

    from budgets import Budget

    inst, src = wraptext
    model, _ = scripted(src, wrong_first=False)
    res = await solve_instance(inst, model=model, run_dir=tmp_path / "run", mode="best_of_n", k=2,
                               budget=Budget(tokens=8_000))  # localize's 10% cannot pay for its prompt
    steps = [json.loads(line) for line in (tmp_path / "run" / "trajectory.jsonl").read_text().splitlines()]
    loc = next(s for s in steps if s["stage"] == "localize")
    assert any(e.startswith("budget:") for e in loc["errors"]) and loc["samples"] == []
    assert loc["candidates"][0]["source"] == "aggregate"  # the aggregator's lexical prior alone
    assert "wraptext/wrap.py" in loc["candidates"][0]["content"]["files"]
    assert any(s["stage"] == "patch" for s in steps) and res.status != "crashed"


def test_patch_key_ignores_comments_blank_lines_and_spacing():
    from agents.swe.patch import patch_key

    a = "--- a/m.py\n+++ b/m.py\n@@ -1 +1 @@\n-    return x // 9\n+    return x / 9\n"
    b = ("--- a/m.py\n+++ b/m.py\n@@ -1 +1,3 @@\n+# File m.py\n-    return x // 9\n+    return  x / 9  # fixed\n+\n")
    c = "--- a/m.py\n+++ b/m.py\n@@ -1 +1 @@\n-    return x // 9\n+    return '#' + x\n"
    assert patch_key(a) == patch_key(b) == "-return x // 9\n+return x / 9"
    assert patch_key(c).endswith("+return '#' + x")
