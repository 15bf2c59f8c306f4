"""The first localization's K samples hold the greedy pick (the same prompt at temperature 0 that
`--mode single` sends) and K-1 draws: a budget that pays for one localization call gets the greedy
pick, and the vote can keep what one attempt localizes right. A pivot draws only samples."""
from types import SimpleNamespace

from swe_scripted import scripted, wraptext  # noqa: F401

from agents.swe import solve_instance
from agents.swe.localize import Localize
from budgets import Budget


def _loc_calls(model):
    return [(c["params"]["n"], c["params"]["temperature"]) for c in model.calls
            if "Which file and function" in c["messages"][-1]["content"]]


async def test_the_first_localization_holds_the_greedy_pick(wraptext, tmp_path):  # noqa: F811
    inst, src = wraptext
    model, _ = scripted(src, wrong_first=False)
    await solve_instance(inst, model=model, run_dir=tmp_path / "a", mode="best_of_n", k=4,
                         budget=Budget(tokens=30_000, tools={"run_tests": 12}))
    first, *rest = _loc_calls(model)  # the engine may split a request's n over calls
    assert first == (1, 0.0) and {t for _, t in rest} == {0.7} and sum(n for n, _ in rest) == 3
    single, _ = scripted(src, wrong_first=False)
    await solve_instance(inst, model=single, run_dir=tmp_path / "s", mode="single")
    greedy = [c for c in model.calls if "Which file and function" in c["messages"][-1]["content"]][0]
    assert greedy["messages"] == single.calls[0]["messages"]  # what one attempt localizes with


async def test_greedy_first_off_draws_k_samples(wraptext, tmp_path):  # noqa: F811
    inst, src = wraptext
    model, _ = scripted(src, wrong_first=False)
    await solve_instance(inst, model=model, run_dir=tmp_path / "b", mode="best_of_n", k=4,
                         budget=Budget(tokens=30_000, tools={"run_tests": 12}),
                         plan={"stages": {"localize": {"settings": {"greedy_first": False}}}})
    calls = _loc_calls(model)
    assert {t for _, t in calls} == {0.7} and sum(n for n, _ in calls) == 4


def test_a_pivot_or_one_sample_asks_as_before(tmp_path):
    ctx = SimpleNamespace(task=SimpleNamespace(input={"workdir": str(tmp_path), "problem_statement": "x"}),
                          mode="pivot")
    (tmp_path / "a.py").write_text("def f():\n    pass\n")
    pivot = Localize(k=4).requests(ctx)
    assert [(r.params.n, r.params.temperature) for r in pivot] == [(4, Localize.pivot_temperature)]
    ctx.mode = "sample"
    assert [(r.params.n, r.params.temperature) for r in Localize(k=1, temperature=0.0).requests(ctx)] == [(1, 0.0)]
