"""Smaller versions of every patch that breaks existing tests, not only of the best one: the best
broken sample can be a wrong fix while the right fix sits in a lower-ranked sample with a rename
that breaks imports (seen on lrukit-1 with the 1.5B model: `clear()` fixed, `_MISSING` renamed)."""
import json

from swe_scripted import wrap_model

from agents.swe import solve_instance
from budgets.plan import Plan, StagePlan

REPRO = "```python\nfrom wraptext import wrap\n\ndef test_exact():\n    assert wrap('aaa bbb', width=7) == ['aaa bbb']\n```"


async def test_each_broken_sample_gets_its_smaller_versions_and_the_fix_alone_wins(wraptext, tmp_path):
    inst, src = wraptext
    fixed = src.replace("current_len + needed >= width", "current_len + needed > width")
    # the greedy attempt: a harmless change plus a rename that breaks `fill`; the sample: the fix
    # plus the same rename
    wrong = src.replace("    lines = []\n", "    lines = list()\n").replace("def fill(", "def fill_text(")
    right = fixed.replace("def fill(", "def fill_text(")
    calls = {"n": 0}

    def patch(prompt):
        calls["n"] += 1
        return wrong if calls["n"] == 1 else right

    plan = Plan(stages={"patch": StagePlan(settings={"ablate": 2, "focus": 0.0})})  # hedge: no focus
    res = await solve_instance(inst, model=wrap_model(REPRO, patch), run_dir=tmp_path / "run", mode="best_of_n",
                               k=4, plan=plan)  # two samples per file: wrap.py and the hedge
    steps = [json.loads(line) for line in (tmp_path / "run" / "trajectory.jsonl").read_text().splitlines()]
    first = next(s for s in steps if s["stage"] == "patch")
    sampled = {c["id"] for c in first["candidates"] if not c["meta"].get("ablation") and c["error"] is None}
    parents = {c["parent"] for c in first["candidates"] if c["meta"].get("ablation")}
    assert len(sampled) == 2 and parents == sampled          # both broken samples were made smaller
    assert "current_len + needed > width" in res.model_patch and "fill_text" not in res.model_patch
    assert res.checks["regressions"] == [] and res.checks["fixed"] >= 1
