import pytest

from budgets import Budget, BudgetError, BudgetTracker, CostModel, Spend


def test_parse_cli_string():
    b = Budget.parse("usd=0.5,tokens=200k,search=10,seconds=5m,calls=12")
    assert b.usd == 0.5 and b.tokens == 200_000 and b.model_calls == 12
    assert b.wall_seconds == 300 and b.tools == {"search": 10}


@pytest.mark.parametrize("bad", ["", "usd", "usd=abc", "tokens=1.5", "usd=-1", "tokens=1e400", "a b=3", "usd=inf",
                                 "open=1e99", "tokens=2e15", "usd=1e16"])
def test_parse_rejects_malformed(bad):
    with pytest.raises(BudgetError) as e:
        Budget.parse(bad)
    assert "\n" not in str(e.value)


def test_a_cap_too_large_to_checkpoint_is_refused_everywhere():
    """A cap past 1e15 once reached the run's checkpoint and crashed it ("Integer exceeds 64-bit range")."""
    with pytest.raises(BudgetError, match="at most 1e\\+15"):
        Budget.from_mapping({"tools": {"search": "1e20"}})
    with pytest.raises(ValueError):
        Budget(tokens=10**20)
    with pytest.raises(ValueError):
        Budget(tools={"search": 10**20})
    assert Budget.parse("tokens=1e15,search=1e15").tokens == 10**15


def test_yaml(tmp_path):
    f = tmp_path / "b.yaml"
    f.write_text("budget:\n  usd: 0.25\n  tokens: 10k\n  tools:\n    search: 3\n")
    b = Budget.from_yaml(f)
    assert b.usd == 0.25 and b.tokens == 10_000 and b.tools == {"search": 3}
    f.write_text("usd: [unclosed\n")
    with pytest.raises(BudgetError, match="invalid YAML"):
        Budget.from_yaml(f)
    with pytest.raises(BudgetError, match="does not exist"):
        Budget.from_yaml(tmp_path / "missing.yaml")


def test_unified_cost_counts_tokens_and_tools():
    cm = CostModel(model_prices={"m": (1e-6, 2e-6)}, tool_prices={"search": 0.01})
    s = cm.model_call("m", 1000, 500) + cm.tool_call("search", 3)
    assert s.usd == pytest.approx(0.001 + 0.001 + 0.03)
    assert cm.model_call("local/qwen2.5-coder-0.5b", 1000, 500).usd == 0.0


def test_child_slice_and_caps():
    t = BudgetTracker(Budget(tokens=1000, tools={"search": 4}))
    stage = t.child("stage", share=0.5)
    assert stage.budget.tokens == 500 and stage.budget.tools == {"search": 2}
    assert t.child("stage") is stage
    stage.charge(Spend(input_tokens=400))
    assert not stage.can_afford(Spend(input_tokens=200))
    assert t.can_afford(Spend(input_tokens=200))
    stage.charge(t.cost_model.tool_call("search", 2))
    assert not stage.can_afford(t.cost_model.tool_call("search"))
    assert t.spent.tokens == 400 and t.spent.tools == {"search": 2}


def test_snapshot_text_shows_what_is_left():
    t = BudgetTracker(Budget(usd=0.5, tokens=1000, tools={"search": 10}),
                      CostModel(model_prices={"m": (1e-4, 1e-4)}))
    t.charge(t.cost_model.model_call("m", 300, 290))
    t.charge(t.cost_model.tool_call("search", 3))
    text = t.snapshot().text()
    assert "search 7/10 left" in text and "of $0.5 spent" in text and "41% of tokens left" in text


def test_settle_over_reservation_is_charged_exactly_and_counted():
    t = BudgetTracker(Budget(tokens=1000))
    r = t.reserve(Spend(input_tokens=10))
    r.settle(Spend(input_tokens=15))
    assert t.spent.input_tokens == 15 and t.overruns == 1 and t.reserved.is_zero()


def test_ledger_restore_round_trip():
    t = BudgetTracker(Budget(tokens=1000))
    t.child("a", share=0.5).charge(Spend(input_tokens=100, model_calls=1))
    t2 = BudgetTracker(Budget(tokens=1000))
    t2.restore(t.ledger())
    assert t2.spent == t.spent and t2.child("a").spent == t.child("a").spent
    assert t2.child("a").budget.tokens == 500


def test_configured_price_wins_over_reported_dollars():
    cm = CostModel(model_prices={"local/x": (1e-6, 1e-6)})
    assert cm.model_call("local/x", 100, 100, usd=0.0).usd == pytest.approx(2e-4)
    assert cm.model_call("api/y", 100, 100, usd=0.5).usd == 0.5
