import pytest

from unitconv import c_to_f, convert, f_to_c


def test_fixed_points():
    assert f_to_c(32) == 0
    assert f_to_c(212) == 100
    assert c_to_f(100) == 212
    assert c_to_f(37) == pytest.approx(98.6)


def test_minus_forty():
    assert f_to_c(-40) == -40
    assert c_to_f(-40) == -40


def test_kelvin():
    assert convert(0, "K", "C") == pytest.approx(-273.15)
    assert convert(25, "C", "K") == pytest.approx(298.15)
    with pytest.raises(ValueError):
        convert(-1, "K", "C")
