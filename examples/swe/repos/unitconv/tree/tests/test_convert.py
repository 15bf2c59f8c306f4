import pytest

from unitconv import IncompatibleUnits, UnknownUnit, convert, parse_quantity


def test_length():
    assert convert(1, "km", "m") == 1000
    assert convert(12, "in", "cm") == pytest.approx(30.48)
    assert convert(5, "km", "mi") == pytest.approx(3.10686, rel=1e-5)


def test_mass_and_time():
    assert convert(2, "lb", "kg") == pytest.approx(0.90718474)
    assert convert(90, "min", "h") == pytest.approx(1.5)


def test_incompatible():
    with pytest.raises(IncompatibleUnits):
        convert(1, "kg", "m")


def test_unknown():
    with pytest.raises(UnknownUnit):
        convert(1, "parsec", "m")


def test_parse_quantity():
    assert parse_quantity("2.5 kg") == (2.5, "kg")
    assert parse_quantity("12in") == (12, "in")
    assert parse_quantity(" -3e2 m ") == (-300.0, "m")
    with pytest.raises(ValueError):
        parse_quantity("kg 5")
