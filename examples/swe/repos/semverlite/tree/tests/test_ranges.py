import pytest

from semverlite import InvalidRange, Range, max_satisfying, satisfies


def test_comparators():
    assert satisfies("1.5.0", ">=1.0.0 <2.0.0")
    assert not satisfies("2.0.0", ">=1.0.0 <2.0.0")
    assert satisfies("1.0.0", "=1.0.0")
    assert satisfies("1.0.0", "1.0.0")


def test_caret_range():
    assert satisfies("1.2.3", "^1.2.3")
    assert satisfies("1.9.0", "^1.2.3")
    assert not satisfies("2.0.0", "^1.2.3")
    assert not satisfies("1.2.2", "^1.2.3")


def test_tilde_range():
    assert satisfies("1.2.9", "~1.2.3")
    assert not satisfies("1.3.0", "~1.2.3")


def test_or_ranges():
    rng = Range("<1.0.0 || >=3.0.0")
    assert "0.5.0" in rng
    assert "3.1.0" in rng
    assert "2.0.0" not in rng


def test_max_satisfying():
    versions = ["1.2.0", "1.9.9", "2.0.0", "1.10.1"]
    assert max_satisfying(versions, "^1.0.0") == "1.10.1"
    assert max_satisfying(versions, ">=3.0.0") is None


@pytest.mark.parametrize("text", ["", ">=", "^1.x", "1.2.3||"])
def test_invalid_ranges(text):
    with pytest.raises(InvalidRange):
        Range(text)
