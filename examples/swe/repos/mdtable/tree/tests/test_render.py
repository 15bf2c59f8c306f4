import pytest

from mdtable import render


def test_basic_table():
    out = render([["apples", 3], ["kiwis", 12]], headers=["fruit", "qty"])
    assert out.splitlines() == [
        "| fruit  | qty |",
        "|:-------|:----|",
        "| apples | 3   |",
        "| kiwis  | 12  |",
    ]


def test_alignment():
    out = render([["a", 1]], headers=["name", "n"], align=["center", "right"])
    assert out.splitlines() == [
        "| name |   n |",
        "|:----:|----:|",
        "|  a   |   1 |",
    ]


def test_none_and_short_rows():
    out = render([[None], ["x", "y"]], headers=["a", "b"])
    assert out.splitlines()[2] == "|     |     |"
    assert out.splitlines()[3] == "| x   | y   |"


def test_newlines_in_cells():
    out = render([["two\nlines"]], headers=["text"])
    assert out.splitlines()[2] == "| two lines |"


def test_too_many_cells():
    with pytest.raises(ValueError):
        render([[1, 2, 3]], headers=["a", "b"])


def test_bad_alignment():
    with pytest.raises(ValueError):
        render([[1]], headers=["a"], align=["diagonal"])


def test_max_width_truncates():
    out = render([["abcdefghij"]], headers=["col"], max_width=5)
    assert out.splitlines()[2] == "| abcd… |"
