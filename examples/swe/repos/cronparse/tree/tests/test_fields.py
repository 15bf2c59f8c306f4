import pytest

from cronparse import CronError, parse_field
from cronparse.names import MONTHS


def test_star():
    assert parse_field("*", 0, 59) == frozenset(range(60))


def test_list_and_single():
    assert parse_field("1,15,30", 0, 59) == {1, 15, 30}


def test_step():
    assert parse_field("*/15", 0, 59) == {0, 15, 30, 45}
    assert parse_field("5/20", 0, 59) == {5, 25, 45}


def test_range_with_step():
    assert parse_field("0-25/10", 0, 59) == {0, 10, 20}


def test_names():
    assert parse_field("jan,jun", 1, 12, MONTHS) == {1, 6}


@pytest.mark.parametrize("text", ["60", "a", "5-1", "*/0", "1,,2", ""])
def test_invalid(text):
    with pytest.raises(CronError):
        parse_field(text, 0, 59)
