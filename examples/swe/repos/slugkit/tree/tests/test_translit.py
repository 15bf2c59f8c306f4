from slugkit import transliterate


def test_ascii_unchanged():
    assert transliterate("plain text 123") == "plain text 123"


def test_special_table():
    assert transliterate("Æsir øl") == "AEsir ol"


def test_unknown_characters_dropped():
    assert transliterate("日本 ok") == " ok"
