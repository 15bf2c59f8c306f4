import pytest

from csvsniff import Dialect, read_rows, split_line


def test_split_simple():
    assert split_line("a,b,c") == ["a", "b", "c"]


def test_split_empty_fields():
    assert split_line("a,,c,") == ["a", "", "c", ""]


def test_split_quoted_delimiter():
    assert split_line('1,"Smith, John",NY') == ["1", "Smith, John", "NY"]


def test_split_other_delimiter_and_quote():
    assert split_line("x;'a;b';z", ";", "'") == ["x", "a;b", "z"]


def test_read_rows_multiline_field():
    text = 'id,note\n1,"first line\nsecond line"\n2,plain\n'
    assert read_rows(text) == [["id", "note"], ["1", "first line\nsecond line"], ["2", "plain"]]


def test_read_rows_skips_blank_lines():
    assert read_rows("a;b\n\n1;2\n", Dialect(";")) == [["a", "b"], ["1", "2"]]


def test_unterminated_quote():
    with pytest.raises(ValueError):
        read_rows('a,"b\n')
