from querystr import quote, unquote


def test_quote_ascii():
    assert quote("a b&c=d") == "a+b%26c%3Dd"
    assert quote("a b", plus=False) == "a%20b"


def test_quote_utf8():
    assert quote("café") == "caf%C3%A9"


def test_unquote_ascii():
    assert unquote("a+b%26c%3Dd") == "a b&c=d"
    assert unquote("a+b", plus=False) == "a+b"


def test_unquote_keeps_malformed_escapes():
    assert unquote("100%") == "100%"
    assert unquote("%zz") == "%zz"


def test_roundtrip_ascii():
    text = "x = y & z / 100%"
    assert unquote(quote(text)) == text
