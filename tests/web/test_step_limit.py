"""The research step limit follows the tool budget unless `--max-steps` is given: a fixed 16 ended 4
of 6 dev runs at search=5 with find calls left, and would end a search=20 run long before its budget,
so a budget sweep could not show accuracy rising with the budget."""
from types import SimpleNamespace

from agents.web.control import DEFAULT_STEPS, BatsController, ReactController
from budgets import Budget


def _ctx(budget: str):
    return SimpleNamespace(runtime=SimpleNamespace(tracker=SimpleNamespace(budget=Budget.parse(budget))))


def test_the_step_limit_grows_with_the_tool_caps():
    steps = [BatsController().steps(_ctx(f"search={n},open={n},find={n}")) for n in (1, 3, 5, 10, 20)]
    assert steps == [10, 22, 34, 64, 124]           # 4 + 2 per capped call
    assert BatsController().steps(_ctx("search=1,open=1")) == 8          # never fewer than 8
    assert BatsController().steps(_ctx("search=100,open=100,find=100")) == 200  # never more than 200
    assert BatsController().steps(_ctx("tokens=20k")) == DEFAULT_STEPS   # no tool capped
    assert ReactController().steps(_ctx("search=5,open=5,find=5")) == 34  # the same rule for both arms


def test_an_explicit_max_steps_wins():
    assert BatsController(max_steps=16).steps(_ctx("search=20,open=20,find=20")) == 16
