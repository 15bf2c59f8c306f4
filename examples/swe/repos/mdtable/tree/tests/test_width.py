from mdtable import display_width, truncate


def test_ascii_width():
    assert display_width("hello") == 5


def test_wide_characters():
    assert display_width("日本") == 4
    assert display_width("a😀") == 3


def test_combining_marks():
    assert display_width("e\u0301") == 1


def test_truncate():
    assert truncate("hello world", 8) == "hello w…"
    assert truncate("short", 8) == "short"
    assert truncate("日本語テキスト", 7) == "日本語…"
