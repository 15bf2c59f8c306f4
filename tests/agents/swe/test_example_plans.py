"""The plans shipped in examples/swe apply to the SWE pipeline (a plan test in tests/budgets must not import agents)."""
from pathlib import Path

import pytest

from agents.swe.pipeline import swe_pipeline
from budgets.plan import Plan

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("name", ["demo_plan.yaml", "patch_first_plan.yaml"])
def test_the_example_plans_apply_to_the_swe_pipeline(name):
    plan = Plan.load(ROOT / "examples/swe" / name)
    by = {s.name: s for s in plan.apply(swe_pipeline("scaled")).stages}
    assert (by["patch"].focus, by["patch"].ablate) == (2.0, 3)
    if name == "patch_first_plan.yaml":  # no reproduction tests; most of the budget to K=4 patch samples
        assert by["reproduce"].share == 0.0 and (by["patch"].share, by["patch"].k) == (0.8, 4)
