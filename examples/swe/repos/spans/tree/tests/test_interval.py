import pytest

from spans import Interval


def test_contains_is_half_open():
    iv = Interval(1, 5)
    assert 1 in iv
    assert 4.999 in iv
    assert 5 not in iv
    assert 0 not in iv


def test_invalid_interval():
    with pytest.raises(ValueError):
        Interval(5, 1)


def test_length_and_empty():
    assert Interval(2, 7).length == 5
    assert Interval(3, 3).is_empty


def test_overlaps():
    assert Interval(1, 5).overlaps(Interval(4, 9))
    assert Interval(4, 9).overlaps(Interval(1, 5))
    assert Interval(1, 10).overlaps(Interval(3, 4))
    assert not Interval(1, 2).overlaps(Interval(5, 6))


def test_intersection():
    assert Interval(1, 5).intersection(Interval(4, 9)) == Interval(4, 5)
    assert Interval(1, 2).intersection(Interval(7, 8)) is None


def test_adjacent_and_span():
    assert Interval(1, 3).adjacent(Interval(3, 5))
    assert Interval(1, 3).span(Interval(6, 8)) == Interval(1, 8)


def test_shift():
    assert Interval(1, 3).shift(10) == Interval(11, 13)
