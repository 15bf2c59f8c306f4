import pytest

from wraptext import fill, wrap


def test_wrap_basic():
    assert wrap("The quick brown fox jumps over the lazy dog", width=13) == [
        "The quick",
        "brown fox",
        "jumps over",
        "the lazy dog",
    ]


def test_collapses_whitespace():
    assert wrap("a   b\n\tc", width=20) == ["a b c"]


def test_long_word_is_broken():
    assert wrap("abcdefghijkl xy", width=6) == ["abcdef", "ghijkl", "xy"]


def test_indents_count_towards_width():
    lines = wrap("one two three four", width=10, initial_indent="* ", subsequent_indent="  ")
    assert lines == ["* one two", "  three", "  four"]


def test_fill():
    assert fill("aa bb cc", width=6) == "aa bb\ncc"


def test_empty_text():
    assert wrap("   ", width=10) == []


def test_width_too_small_for_indent():
    with pytest.raises(ValueError):
        wrap("x", width=2, initial_indent="  ")
