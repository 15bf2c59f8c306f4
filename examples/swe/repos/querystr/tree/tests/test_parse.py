from querystr import parse_qs, parse_qsl, urlencode


def test_parse_qs_repeated():
    assert parse_qs("tag=a&tag=b&q=hello+world") == {"tag": ["a", "b"], "q": ["hello world"]}


def test_leading_question_mark():
    assert parse_qsl("?a=1") == [("a", "1")]


def test_blank_values():
    assert parse_qsl("x=1&y=&z") == [("x", "1")]
    assert parse_qsl("x=1&y=&z", keep_blank_values=True) == [("x", "1"), ("y", ""), ("z", "")]


def test_separator():
    assert parse_qsl("a=1;b=2", separator=";") == [("a", "1"), ("b", "2")]


def test_urlencode():
    assert urlencode({"q": "a b", "page": 2}) == "q=a+b&page=2"
    assert urlencode([("t", ["x", "y"]), ("flag", None)]) == "t=x&t=y&flag"


def test_urlencode_parse_roundtrip():
    params = {"q": "x&y=z", "n": "5"}
    assert parse_qs(urlencode(params)) == {"q": ["x&y=z"], "n": ["5"]}
