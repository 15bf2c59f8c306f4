"""The budget block (the tracker's view of what is left) in the web prompts, and budget keys checked
against the web pipeline's tools. Scripted model over the small test corpus."""
import re

import pytest

from agents import pipelines
from agents.runtime import Runtime
from agents.web.env import close_all
from budgets import Budget, BudgetError

from test_pipeline_scripted import PLAN3, ask, user_prompts


@pytest.fixture(autouse=True)
def _close():
    yield
    close_all()


@pytest.mark.parametrize("tracker", [True, False])
def test_the_budget_block_is_shown_only_with_the_tracker(web_index, tracker):
    _, model = ask([PLAN3, '{"tool": "search", "input": "IANA"}'], "calls=2,search=2,open=3,find=1,tokens=50k",
                   index=str(web_index), tracker=tracker)
    plan, act = user_prompts(model)[:2]
    if tracker:
        assert "up to 2 short search queries" in plan and "Budget: search 0 used, 2 left" in plan
        assert "search 1 used, 1 left | open 0 used, 3 left | find 0 used, 1 left | tokens" in act  # after the
        block = next(line for line in act.splitlines() if line.startswith("Budget:"))
        # planned search; no seconds without a time cap (they would make a greedy run's prompts depend on
        # machine load), and no "time no cap" either: a dev answer copied it
        assert block.endswith("$0.0050 spent") and "time" not in block and "no cap" not in block
    else:
        assert "up to 3 short search queries" in plan
        assert not any("Budget" in p for p in user_prompts(model))


def test_under_a_time_cap_the_block_shows_seconds_used_and_left(web_index):
    _, model = ask([PLAN3, '{"tool": "search", "input": "IANA"}'], "calls=2,search=2,open=3,find=1,wall_seconds=600",
                   index=str(web_index))
    assert re.search(r"\| \d+s used, \d+s left", user_prompts(model)[1])


@pytest.mark.parametrize("bad, hint", [("serch=2", "did you mean 'search'"), ("run_tests=1", "search")])
def test_budget_keys_must_name_the_web_tools(bad, hint):
    kind = pipelines.get("web")
    assert set(kind.tools) == {"search", "open", "find"}
    with pytest.raises(BudgetError, match=hint):
        pipelines.check_budget(kind.build({}), Runtime(model="local/smollm2-135m", budget=Budget.parse(bad)), kind.tools)
