"""Allocation plans: YAML round trip, validation, and applying one to a pipeline's stages."""
from types import SimpleNamespace

import pytest

from budgets.plan import Plan, PlanError, StagePlan, apply_plan


def _pipeline():
    stages = [SimpleNamespace(name=n, share=None, k=4, temperature=0.8, model=None)
              for n in ("localize", "reproduce", "patch", "select")]
    return SimpleNamespace(stages=stages)


def test_a_plan_round_trips_through_yaml_with_its_provenance(tmp_path):
    plan = Plan(stages={"localize": StagePlan(share=0.1, k=2, model="local/qwen2.5-coder-0.5b"),
                        "patch": StagePlan(share=0.6, temperature=0.5)})
    plan.provenance.method, plan.provenance.dev, plan.provenance.score = "agentts", ["lrukit-1"], 1.0
    path = plan.save(tmp_path / "p.yaml")
    text = path.read_text()
    assert "temperature: 0.5" in text and "method: agentts" in text
    assert "k: null" not in text            # unset values are left out, not written as null
    back = Plan.load(path)
    assert back == plan
    assert back.stages["patch"].k is None   # left to the pipeline


def test_apply_sets_only_what_the_plan_names():
    pipe = _pipeline()
    Plan.from_data({"stages": {"patch": {"k": 2, "temperature": 0.3, "model": "m2"},
                               "localize": {"share": 0.2}}}).apply(pipe)
    by = {s.name: s for s in pipe.stages}
    assert (by["patch"].k, by["patch"].temperature, by["patch"].model) == (2, 0.3, "m2")
    assert by["localize"].share == 0.2 and by["localize"].k == 4      # k untouched
    assert by["reproduce"].temperature == 0.8
    assert apply_plan(pipe, None) is pipe


@pytest.mark.parametrize("data, needle", [
    ({"stages": {"a": {"share": 0.7}, "b": {"share": 0.5}}}, "add up to 1.200"),
    ({"stages": {"a": {"k": -1}}}, "stages.a.k"),
    ({"stages": {"a": {"temprature": 0.5}}}, "temprature"),
    ({"stages": {"a": {"temperature": 5}}}, "stages.a.temperature"),
    ("just text", "a plan is a mapping"),
])
def test_bad_plans_are_one_line_errors(data, needle):
    with pytest.raises(PlanError) as e:
        Plan.from_data(data)
    assert needle in str(e.value) and "\n" not in str(e.value)


def test_a_stage_the_pipeline_lacks_is_refused():
    with pytest.raises(PlanError, match="patches.*does not have"):
        apply_plan(_pipeline(), {"stages": {"patches": {"k": 2}}})


def test_bad_files(tmp_path):
    with pytest.raises(PlanError, match="does not exist"):
        Plan.load(tmp_path / "none.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("stages: {patch: [\n")
    with pytest.raises(PlanError, match="invalid YAML at line"):
        Plan.load(bad)


class _Stage:
    k, share, temperature, model = 4, None, 0.8, None
    focus = 0.0

    def __init__(self, name):
        self.name = name

    def prompt(self):
        return []


def test_settings_set_a_stages_own_attributes_and_nothing_else():
    pipe = SimpleNamespace(stages=[_Stage("patch")])
    Plan.from_data({"stages": {"patch": {"k": 2, "settings": {"focus": 2.0}}}}).apply(pipe)
    assert pipe.stages[0].focus == 2.0 and pipe.stages[0].k == 2
    for bad in ("nope", "k", "prompt", "_private"):
        with pytest.raises(PlanError, match=f"no setting '{bad}'"):
            Plan.from_data({"stages": {"patch": {"settings": {bad: 1}}}}).apply(SimpleNamespace(stages=[_Stage("patch")]))


def test_share_zero_skips_only_an_optional_stage():
    pipe = _pipeline()
    by = {s.name: s for s in pipe.stages}
    by["reproduce"].optional = True
    Plan.from_data({"stages": {"reproduce": {"share": 0}, "patch": {"share": 0.7}}}).apply(pipe)
    assert by["reproduce"].share == 0.0
    with pytest.raises(PlanError, match="stage patch cannot be skipped .* only reproduce can"):
        Plan.from_data({"stages": {"patch": {"share": 0.0}}}).apply(_pipeline_with_optional())


def _pipeline_with_optional():
    pipe = _pipeline()
    pipe.stages[1].optional = True
    return pipe
