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


def test_a_planned_query_of_the_questions_words_is_no_draft_and_no_answer():
    memo = MEMO | {"checklist": ["graphlib module", "functools.lru_cache.cache_size"], "searched": ["graphlib added"]}
    assert parse_action('{"tool": "answer", "input": "graphlib module"}', memo, {}, Q)["input"] == ""
    for echoed in ("graphlib module", "Graphlib  added"):
        with pytest.raises(ValueError, match="repeats a search query"):
            parse_answer(f'{{"answer": "{echoed}", "source": 1, "quote": "x y z"}}', memo, Q)


def test_a_planned_guess_at_the_answer_stays_an_answer():
    """The 0.5B often plans the answer itself as a query ("heapq"); rejecting it as an echo lost every
    such question at budgets that keep the model's queries (web grid round 4: heapq, copytree,
    fractions-class, getcwd in 17 cells). Whether it is right is the evidence's to say."""
    q = "Which module provides an implementation of the heap queue (priority queue) algorithm?"
    memo = {"evidence": [{"url": "http://127.0.0.1:1/doc/heapq.html", "title": "heapq",
                          "text": "heapq — Heap queue algorithm. This module provides an implementation"}],
            "checklist": ["module provides implementation heap queue priority queue algorithm", "heapq"],
            "searched": ["heapq"]}
    assert parse_action('{"tool": "answer", "input": "heapq"}', memo, {}, q)["input"] == "heapq"
    a = parse_answer('{"answer": "heapq", "source": 1, "quote": "heapq — Heap queue algorithm"}', memo, q)
    assert a["answer"] == "heapq" and a["source"] == "http://127.0.0.1:1/doc/heapq.html"
    memo["checklist"].append("functools.lru_cache.cache_size")  # a wrong guess is left to verification too
    assert parse_answer('{"answer": "functools.lru_cache.cache_size", "source": 1, "quote": "x"}', memo, q)
