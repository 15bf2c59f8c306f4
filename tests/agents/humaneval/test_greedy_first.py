"""The scaled HumanEval pipeline's first K solutions hold the greedy answer (the same prompt at
temperature 0 that `single` sends) and K-1 samples, so the test vote can keep what one attempt gets
right: on a problem whose sampled solutions are all wrong and whose greedy one is right, scaled
returns the greedy one (on the old code, K samples at 0.8: a wrong answer)."""
import pytest

from agents.graph import run
from agents.humaneval.data import load_problems, to_task
from agents.humaneval.stages import scaled_pipeline, single_pipeline
from agents.models.scripted import ScriptedModel
from agents.runtime import Runtime
from budgets import Budget

RIGHT = "def add(x: int, y: int):\n    return x + y\n"
WRONG = "def add(x: int, y: int):\n    return x - y\n"
pytestmark = pytest.mark.filterwarnings("ignore:sandbox backend 'local' does not isolate")  # scripted code only


def _answer(messages, params) -> str:
    text = messages[-1]["content"]
    if "assert statements" in text:  # the tests stage: one right assert
        return "```python\nassert add(2, 3) == 5\n```"
    return f"```python\n{RIGHT if params.temperature == 0.0 else WRONG}```"


def _run(pipe, model):
    task = to_task(load_problems()["HumanEval/53"])  # add(x, y)
    import asyncio

    rt = Runtime(model=model, budget=Budget(tokens=50_000), sandbox="local", models={model.name: model})
    return asyncio.run(run(pipe, task, rt))


@pytest.mark.parametrize("greedy_first", [True, False])
def test_the_first_k_hold_the_greedy_answer(greedy_first):
    model = ScriptedModel(name="scripted/he", default=_answer)
    result = _run(scaled_pipeline(k=3, greedy_first=greedy_first, max_steps=1), model)
    solve = [c["params"] for c in model.calls if "assert statements" not in c["messages"][-1]["content"]]
    if greedy_first:
        assert [(p["n"], p["temperature"]) for p in solve] == [(1, 0.0), (2, 0.8)]
        assert result.answer.strip() == RIGHT.strip()
    else:  # the old behaviour: K samples, all wrong here
        assert [(p["n"], p["temperature"]) for p in solve] == [(3, 0.8)]
        assert result.answer.strip() == WRONG.strip()


def test_the_greedy_request_is_what_single_sends():
    a, b = ScriptedModel(name="scripted/a", default=_answer), ScriptedModel(name="scripted/b", default=_answer)
    _run(single_pipeline(), a)
    _run(scaled_pipeline(k=2, max_steps=1), b)
    single = a.calls[0]
    greedy = next(c for c in b.calls if c["params"]["temperature"] == 0.0)
    assert greedy["messages"] == single["messages"]
    assert {k: greedy["params"][k] for k in ("n", "max_tokens", "temperature")} == \
        {k: single["params"][k] for k in ("n", "max_tokens", "temperature")}
