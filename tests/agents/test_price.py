"""`--price`: one IN,OUT for the run's model, or MODEL=IN,OUT entries so a plan's stage models are priced."""
import pytest

from agents.config import cost_model, parse_prices
from agents.errors import ConfigError


def test_a_bare_price_is_the_run_models():
    assert parse_prices("0.1,0.4", "local/a") == {"local/a": pytest.approx((0.1e-6, 0.4e-6))}
    assert parse_prices("0.1,0.4") == {"": pytest.approx((0.1e-6, 0.4e-6))}   # checked before a model is known


def test_entries_price_each_model_and_the_bare_one_is_the_runs():
    prices = parse_prices("0.1,0.4; local/small=0.03,0.12", "local/big")
    assert prices == {"local/big": pytest.approx((0.1e-6, 0.4e-6)), "local/small": pytest.approx((0.03e-6, 0.12e-6))}
    assert "local/big" not in parse_prices("local/small=0.03,0.12", "local/big")  # nothing for the run's own model


def test_a_stage_model_is_charged_at_its_own_price():
    cost = cost_model("local/big", "0.1,0.4;local/small=0.05,0.2")
    assert cost.model_call("local/big", 1000, 1000).usd == pytest.approx(0.0005)
    assert cost.model_call("local/small", 1000, 1000).usd == pytest.approx(0.00025)
    assert cost.model_call("local/other", 1000, 1000).usd == 0.0   # unpriced local model: free


@pytest.mark.parametrize("text", ["cheap", "0.1", "local/a=0.1", "a=0.1,x", "0.1,-0.4", "a=-1,1"])
def test_bad_prices_are_one_line_errors(text):
    with pytest.raises(ConfigError) as e:
        parse_prices(text, "m")
    assert "bad --price" in str(e.value) and "\n" not in str(e.value)
