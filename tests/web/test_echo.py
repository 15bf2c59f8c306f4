"""A small model echoes the question (or its query) as its answer: no draft, no answer candidate."""
import pytest

from agents.web.actions import parse_action, parse_answer, restates

Q = "In which Python version was the graphlib module added?"
MEMO = {"evidence": [{"url": "http://127.0.0.1:1/doc/graphlib.html", "title": "graphlib", "text": "New in version 3.9."}]}


def test_an_echo_is_three_or_more_of_the_questions_own_words():
    assert restates("Python version graphlib module added", Q)
    assert restates("In which Python version was the graphlib module added?", Q)
    assert not restates("Python 3.9", Q) and not restates("graphlib was added in 3.9", Q)
    assert not restates("tuple", "Which is faster to create, a list or a tuple?")  # a choice made of its words
    assert not restates("a list or a tuple", "Which is faster to create, a list or a tuple?")  # 2 besides stop words


def test_an_echoed_answer_action_answers_without_a_draft():
    a = parse_action('{"tool": "answer", "input": "Python version graphlib module added"}', MEMO, {}, Q)
    assert a == {"tool": "answer", "input": "", "url": ""}
    assert parse_action('{"tool": "answer", "input": "3.9"}', MEMO, {}, Q)["input"] == "3.9"


def test_an_echoed_answer_is_not_a_candidate():
    with pytest.raises(ValueError, match="repeats the question"):
        parse_answer('{"answer": "graphlib module added in Python version", "source": 1, "quote": "x y z"}', MEMO, Q)
    assert parse_answer('{"answer": "3.9", "source": 1, "quote": "New in version 3.9."}', MEMO, Q)["answer"] == "3.9"


def test_a_planned_query_is_no_draft_and_no_answer():
    memo = MEMO | {"checklist": ["Python version graphlib module added", "functools.lru_cache.cache_size"]}
    a = parse_action('{"tool": "answer", "input": "functools.lru_cache.cache_size"}', memo, {}, Q)
    assert a["input"] == ""
    with pytest.raises(ValueError, match="repeats a search query"):
        parse_answer('{"answer": "functools.lru_cache.cache_size", "source": 1, "quote": "x y z"}', memo, Q)
