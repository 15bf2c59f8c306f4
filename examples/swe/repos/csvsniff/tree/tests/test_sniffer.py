import pytest

from csvsniff import Dialect, SniffError, sniff


def test_sniff_comma():
    assert sniff("name,age\nann,31\nbob,42\n") == Dialect(",", '"', True)


def test_sniff_semicolon_with_quoted_commas():
    sample = 'name;city\n"Smith, J";Paris\n"Doe, A";Oslo\n'
    assert sniff(sample).delimiter == ";"


def test_sniff_tab_without_header():
    d = sniff("1\t2\t3\n4\t5\t6\n")
    assert d.delimiter == "\t"
    assert not d.has_header


def test_sniff_single_quotes():
    assert sniff("a|b\n'x|y'|2\n'z'|3\n").quotechar == "'"


def test_sniff_empty():
    with pytest.raises(SniffError):
        sniff("\n\n")
