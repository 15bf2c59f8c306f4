"""Quote matching on the shapes the 0.5B model really writes (copies across the " … " join of two
excerpts, quotes cut off mid-word by max_tokens, an altered tail after the answer), and the made-up
quotes it also writes, which must fail."""
import pytest

from agents.web.quotes import answer_in, quote_on_page

PAGE = ("functools — Higher-order functions\n"
        "@functools.lru_cache(user_function)\n"
        "Decorator to wrap a function with a memoizing callable that saves up to the maxsize most recent calls.\n"
        "If user_function is specified, it must be a callable. This allows the lru_cache decorator to be applied "
        "directly to a user function, leaving the maxsize at its default value of 128: @lru_cache def "
        "count_vowels(sentence): return sum(sentence.count(vowel) for vowel in 'AEIOU')\n"
        "New in version 3.2.\n"
        "Changed in version 3.3: Added the typed option.\n"
        "The statistics.geometric_mean function raises StatisticsError if the input dataset is empty, "
        "if it contains a zero, or if it contains a negative value.\n"
        "Changed in version 3.11: Added support for weights.\n")


@pytest.mark.parametrize("quote, answer", [
    # copied across the join of two excerpts, in page order
    ("Decorator to wrap a function with a memoizing callable … New in version 3.2.", "3.2"),
    ("Decorator to wrap a function with a memoizing callable... Changed in version 3.3: Added", "3.3"),
    # case, punctuation and whitespace differ
    ("leaving the MAXSIZE at its default value of 128 -- @lru_cache", "128"),
    # cut off mid-word (the answer ran past max_tokens)
    ("leaving the maxsize at its default value of 128: @lru_cache def count_vow", "128"),
    # a 1-2 word tail after an ellipsis is a cut tail
    ("New in version 3.2. Changed in version 3.3 … Changed in", "3.2"),
    # the words around the answer are on the page, the model changed the rest
    ("leaving the maxsize at its default value of 128, and then it grows without any bound", "128"),
    # a version's trailing ".0": the 3.2 release, in the answer and in the quote (dev: "3.9.0" for
    # zoneinfo, "3.4.0" for pathlib never verified, and the run read on to its step limit)
    ("lru_cache decorator to be applied directly to a user function … New in version 3.2.", "3.2.0"),
    ("New in version 3.2.0. Changed in version 3.3: Added the typed option.", "3.2.0"),
])
def test_real_copies_from_the_evidence_are_accepted(quote, answer):
    found = quote_on_page(PAGE, quote, answer)
    assert found and answer_in(found, answer)


@pytest.mark.parametrize("quote, answer", [
    ("The lru_cache decorator was added in Python 3.2.", "3.2"),      # page words, made-up sentence
    ("graphlib module added in Python 3.10", "3.10"),
    ("New in version 3.9.", "3.9"),                                   # a version the page does not give
    ("Changed in version 3.3 … Decorator to wrap a function", "3.3"),  # parts out of page order
    ("Decorator to wrap a function with a memoizing callable … 3.2", "3.2"),  # the answer only in a cut tail
    ("of 128", "128"),                                                # too short to mean anything
    ("Changed in version 3.1", "3.1"),                                # a number is never a cut word (3.11)
    ("New in version 3.2. Changed in version 3.3: Added", "3.2.1"),    # only a trailing .0 is dropped
    ("", "3.2"),
])
def test_made_up_quotes_are_rejected(quote, answer):
    found = quote_on_page(PAGE, quote, answer)
    assert not (found and answer_in(found, answer))


def test_a_quote_is_not_found_on_an_empty_or_other_page():
    q = "leaving the maxsize at its default value of 128"
    assert quote_on_page(PAGE, q, "128") == q
    assert not quote_on_page("", q, "128")
    assert not quote_on_page("Some other page about the maxsize of queues.", q, "128")


@pytest.mark.parametrize("text, answer, ok", [
    ("New in version 3.9.", "Python 3.9", True),
    ("New in version 3.9.", "3.9", True),
    ("New in version 3.9.", "3.10", False),
    ("New in version 3.10.", "3.1", False),
    ("the default value of 128", "128", True),
    ("the default value of 1280", "128", False),
    ("anything", "", False),
    # an answer written as a sentence: what it adds to the question
    ("New in version 3.9. Exceptions", "Python version was added in Python 3.9.", True),
    ("New in version 3.9. Exceptions", "graphlib module added in Python 3.8", False),
    ("New in version 3.9. Exceptions", "graphlib was added in 3.9 or 3.10", False),
    ("New in version 3.9.", "3.9.0", True),
    ("New in version 3.9.0 of the module", "3.9", True),
    ("New in version 3.9.", "3.9.1", False),
    ("New in version 3.9.", "3.0", False),
])
def test_the_answer_is_in_the_quote_as_whole_words_without_leading_filler(text, answer, ok):
    assert answer_in(text, answer, "In which Python version was the graphlib module added?") is ok
