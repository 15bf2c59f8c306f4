"""Budget strings that used to remove caps silently (issue 10 item 6) and the tracker's slices/seconds."""
import pytest

from budgets import Budget, BudgetError, BudgetTracker, Spend

TOOLS = {"run_tests"}


@pytest.mark.parametrize("text,named", [("tokns=300", "tokens"), ("run-tests=1", "run_tests"),
                                        ("tools.serch=2", None)])
def test_unknown_key_is_an_error_naming_the_valid_keys(text, named):
    b = Budget.parse(text)  # parses (a tool cap) ...
    with pytest.raises(BudgetError) as e:
        b.check(tools=TOOLS)  # ... but names no tool of this run
    msg = str(e.value)
    assert "\n" not in msg and "usd, tokens" in msg and "this run's tools: run_tests" in msg
    if named:
        assert f"did you mean {named!r}" in msg


def test_known_keys_pass_the_check():
    b = Budget.parse("tokens=300,run_tests=4,usd=1")
    assert b.check(tools=TOOLS) is b
    assert Budget.from_mapping({"tokens": "1k", "tools": {"run_tests": 2}}).check(tools=TOOLS).tools == {"run_tests": 2}
    with pytest.raises(BudgetError, match="unknown budget key 'search'"):
        Budget.from_mapping({"search": 3}).check(tools=TOOLS)


def test_empty_budget_is_an_error_and_unlimited_is_explicit():
    for empty in ("", "  ", ",", " , "):
        with pytest.raises(BudgetError, match="empty budget"):
            Budget.parse(empty)
    assert Budget.parse("unlimited").is_unlimited() and Budget.parse(" None ").is_unlimited()


def test_usd_cap_on_an_unpriced_model_is_an_error():
    with pytest.raises(BudgetError) as e:
        Budget.parse("usd=0.5").check(tools=TOOLS, unpriced_models=["hosted_vllm/m"])
    assert "hosted_vllm/m has no known price" in str(e.value) and "--price" in str(e.value)
    Budget.parse("tokens=5k").check(tools=TOOLS, unpriced_models=["hosted_vllm/m"])  # no usd cap: fine


def test_fresh_child_gets_a_new_slice_of_what_remains():
    run = BudgetTracker(Budget(tokens=1000))
    first = run.child("draft", share=0.5, of_remaining=True)
    first.charge(Spend(input_tokens=400))
    run.child("review", share=1.0, of_remaining=True).charge(Spend(input_tokens=200))
    assert run.child("draft", share=0.5, of_remaining=True) is first  # cached: its old, used-up slice
    again = run.child("draft", share=0.5, of_remaining=True, fresh=True)
    assert again is not first and again.budget.tokens == 200 and again.spent.is_zero()
    assert run.spent.tokens == 600 and run.ledger()["run/draft"]["budget"]["tokens"] == 200


def test_child_without_share_gets_the_remainder():
    run = BudgetTracker(Budget(tokens=1000))
    run.child("a", share=0.25, of_remaining=True).charge(Spend(input_tokens=250))
    rest = run.child("b")
    assert rest.remaining()["tokens"] == 750 and rest.can_afford(Spend(input_tokens=750))
    assert not rest.can_afford(Spend(input_tokens=751))


def test_seconds_left_is_the_tightest_level():
    now = [0.0]
    run = BudgetTracker(Budget(wall_seconds=10), clock=lambda: now[0])
    stage = run.child("s", Budget(wall_seconds=4))
    assert run.child("free").seconds_left() == 10 and stage.seconds_left() == 4
    now[0] = 3.5
    assert stage.seconds_left() == pytest.approx(0.5) and run.seconds_left() == pytest.approx(6.5)
    now[0] = 12
    assert stage.seconds_left() == 0.0 and BudgetTracker(Budget()).seconds_left() is None


def test_extend_is_checked_at_every_level_and_holds_nothing_when_refused():
    from budgets import BudgetExceeded

    run = BudgetTracker(Budget(model_calls=3))
    stage = run.child("s", Budget(model_calls=2))
    r = stage.reserve(Spend(model_calls=1))
    r.extend(Spend(model_calls=1))
    with pytest.raises(BudgetExceeded):
        r.extend(Spend(model_calls=1))
    assert stage.reserved.model_calls == 2 and r.amount.model_calls == 2
    r.settle(Spend(model_calls=2))
    assert run.spent.model_calls == 2 and run.reserved.is_zero() and stage.overruns == 0


def test_stages_without_a_share_split_the_remainder():
    from budgets.shares import fraction_of_remaining as f

    # share=0.25 then share=None: the first stage gets a quarter, not everything (graph.py `_share`)
    assert f([0.25, None], 0) == pytest.approx(0.25) and f([0.25, None], 1) == 1.0
    assert f([None, 0.5, None], 0) == pytest.approx(0.25) and f([None, 0.5, None], 1) == pytest.approx(2 / 3)
    assert f([None, None], 0) is None and f([0.6, 0.6, None], 2) is None
    assert f([0.5, 0.5], 0) == pytest.approx(0.5) and f([0.5, 0.5], 1) == 1.0
