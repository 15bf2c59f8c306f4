from slugkit import slugify


def test_basic():
    assert slugify("Hello, World!") == "hello-world"


def test_separator_and_case():
    assert slugify("Hello World", separator="_", lowercase=False) == "Hello_World"


def test_special_letters():
    assert slugify("Straße") == "strasse"
    assert slugify("Łukasz Øster") == "lukasz-oster"


def test_numbers_and_symbols():
    assert slugify("Top 10 tips & tricks (2023)") == "top-10-tips-tricks-2023"


def test_max_length_word_boundary():
    assert slugify("a very long title", max_length=8) == "a-very"
    assert slugify("abcdefghij", max_length=4) == "abcd"


def test_none_and_empty():
    assert slugify(None) == ""
    assert slugify("!!!") == ""
