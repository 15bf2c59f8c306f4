import pytest

from confparse import ConfigError, parse_ini


def test_sections_and_keys():
    data = parse_ini("[a]\nx = 1\nY=two words\n[b]\nz=\n")
    assert data == {"a": {"x": "1", "y": "two words"}, "b": {"z": ""}}


def test_comments_and_blank_lines():
    assert parse_ini("# c\n; c\n\n[s]\nk = v # not a comment\n") == {"s": {"k": "v # not a comment"}}


def test_continuation_lines():
    assert parse_ini("[s]\nhosts = a\n  b\n  c\n")["s"]["hosts"] == "a\nb\nc"


def test_value_with_equals():
    assert parse_ini("[s]\nurl = http://x/?a=b\n")["s"]["url"] == "http://x/?a=b"


def test_error_has_line_number():
    with pytest.raises(ConfigError) as info:
        parse_ini("[s]\nok = 1\nbroken line\n")
    assert info.value.lineno == 3
    assert "line 3" in str(info.value)


def test_key_outside_section():
    with pytest.raises(ConfigError):
        parse_ini("k = v\n")
