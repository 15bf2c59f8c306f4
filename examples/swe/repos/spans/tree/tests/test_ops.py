from spans import Interval, find_overlapping, gaps, merge, total_length


def test_merge_overlapping():
    result = merge([Interval(1, 3), Interval(2, 6), Interval(8, 9)])
    assert result == [Interval(1, 6), Interval(8, 9)]


def test_merge_adjacent():
    assert merge([Interval(1, 3), Interval(3, 5)]) == [Interval(1, 5)]


def test_merge_unsorted_input():
    assert merge([Interval(8, 9), Interval(1, 3)]) == [Interval(1, 3), Interval(8, 9)]


def test_merge_drops_empty():
    assert merge([Interval(4, 4), Interval(1, 2)]) == [Interval(1, 2)]


def test_total_length():
    assert total_length([Interval(0, 10), Interval(5, 15), Interval(20, 21)]) == 16


def test_gaps():
    assert gaps([Interval(1, 3), Interval(5, 6)], 0, 10) == [
        Interval(0, 1),
        Interval(3, 5),
        Interval(6, 10),
    ]


def test_gaps_fully_covered():
    assert gaps([Interval(0, 10)], 2, 8) == []


def test_find_overlapping():
    ivs = [Interval(0, 2), Interval(5, 9), Interval(1, 6)]
    assert find_overlapping(ivs, Interval(3, 4)) == [Interval(1, 6)]
