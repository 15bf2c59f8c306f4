"""agents/web/answer_type.py: an answer of another kind than the question asks for does not verify,
whatever the page holds."""
import pytest

from agents.web.answer_type import MAX_ANSWER_WORDS, asked_kind, kind_mismatch, names_the_subject, not_short

Q_FUNC = "Which function of the time module returns the value of a clock that cannot go backwards?"
Q_EXC = "Which exception does json.loads raise when the document is not valid JSON?"
Q_OPT = "Which -X option makes the interpreter show how long each import takes?"


@pytest.mark.parametrize("question, kind", [
    (Q_FUNC, "name"), (Q_EXC, "name"), (Q_OPT, "name"),
    ("Which built-in exception type, added in Python 3.11, wraps exceptions?", "name"),
    ("Which environment variable augments the default search path?", "name"),
    ("In which Python version was the pathlib module added?", "number"),
    ("Which PEP introduced assignment expressions?", "number"),
    ("On which port does python -m http.server listen by default?", "number"),
    ("How many times does timeit.timeit() run the statement by default?", "number"),
    ("Does textwrap.dedent change tabs into spaces?", ""),
    ("What does the timeout argument default to?", ""),
    # a "which" further in is a relative pronoun: it asks nothing
    ("Name the module which provides function wrappers for operators.", ""),
])
def test_the_kind_a_question_asks_for(question, kind):
    assert asked_kind(question) == kind


@pytest.mark.parametrize("question, answer", [
    (Q_FUNC, "monotonic"), (Q_FUNC, "time.monotonic()"), (Q_FUNC, "the `monotonic` function"),
    (Q_EXC, "json.JSONDecodeError"), (Q_EXC, "JSONDecodeError from json.decoder"), (Q_EXC, "ValueError."),
    (Q_OPT, "-X importtime"), (Q_OPT, "importtime"),
    ("Which environment variable augments the default search path?", "PYTHONPATH"),
    ("Which PEP introduced assignment expressions?", "PEP 572"),
    ("How many times does timeit.timeit() run the statement by default?", "one million"),
    ("What does the timeout argument default to?", "it waits forever by default"),  # not checked
])
def test_answers_of_the_asked_kind_pass(question, answer):
    assert kind_mismatch(answer, question) == ""


@pytest.mark.parametrize("question, answer, said", [
    (Q_FUNC, "Data classes", "the name of a function"),
    (Q_EXC, "os.read() is a low-level function which takes a file descriptor", "the name of an exception"),
    (Q_EXC, "pickle can save and restore class instances", "answer with that name alone"),
    ("Which PEP introduced assignment expressions?", "the walrus operator", "asks for a number"),
    ("In which Python version was the pathlib module added?", "Python three", ""),  # a number in words
])
def test_answers_of_another_kind_do_not(question, answer, said):
    why = kind_mismatch(answer, question)
    assert (said in why and why) if said else why == ""


def _verdict(text, title, question, answer, quote):
    """EvidenceVerifier's verdict (no judge) on one answer citing a page with `text` and `title`."""
    import asyncio

    from agents.state import Candidate
    from agents.web.verify import EvidenceVerifier

    class Pages:
        def page(self, url):
            return type("P", (), {"text": text, "title": title})()

    class Ctx:
        task = type("T", (), {"input": {"question": question}})()
        stage = type("S", (), {"env": type("E", (), {"tools": lambda s: Pages()})()})()
        memo, errors = {}, []

    c = Candidate(content={"tool": "answer", "answer": answer, "source": "/doc/page.html", "quote": quote})
    return asyncio.run(EvidenceVerifier(judge=False).verify(Ctx(), [c]))[0]


def test_the_verifier_rejects_a_sentence_for_a_name_with_that_reason():
    """End to end through EvidenceVerifier: the sentence is on the cited page, word for word, and
    still does not verify; the name from the same page does."""
    text = ("textwrap.dedent(text)\nRemove any common leading whitespace from every line in text. "
            "This can be used to make triple-quoted strings line up with the left edge of the display.")
    title = "textwrap — Text wrapping and filling"
    question = "Which textwrap function removes any common leading whitespace from every line in a text?"

    def verdict(answer, quote):
        return _verdict(text, title, question, answer, quote)

    sentence = "Remove any common leading whitespace from every line in text"
    bad = verdict(sentence, sentence)
    assert not bad.passed and "the name of a function" in bad.feedback
    assert verdict("dedent", "textwrap.dedent(text) Remove any common leading whitespace").passed
    question = ("Which function of the module for wrapping and filling text removes any common "
                "leading whitespace from every line in a text?")
    module = verdict("textwrap", "textwrap.dedent(text) Remove any common leading whitespace")
    assert not module.passed and "the module the page is about" in module.feedback


Q_MEMBER = ("Which function of the module that automatically adds generated special methods to user-defined "
            "classes converts an instance into a tuple?")


@pytest.mark.parametrize("answer, question, title, rejected", [
    ("dataclasses", Q_MEMBER, "dataclasses — Data Classes", True),
    ("the dataclasses module", Q_MEMBER, "dataclasses — Data Classes", True),
    ("astuple", Q_MEMBER, "dataclasses — Data Classes", False),
    ("dataclasses.astuple()", Q_MEMBER, "dataclasses — Data Classes", False),
    ("time", "Which function of the time module returns a monotonic clock?", "time — Time access and conversions", True),
    # the question asks for the module itself, or no module at all, or the page has no "name — ..." title
    ("zipfile", "Which module provides the ZipFile class?", "zipfile — Work with ZIP archives", False),
    ("itertools", "Which function returns successive overlapping pairs?", "itertools — Functions creating iterators", False),
    ("dataclasses", Q_MEMBER, "What's New In Python 3.7", False),
])
def test_a_member_question_is_not_answered_by_the_pages_module(answer, question, title, rejected):
    why = names_the_subject(answer, question, title)
    assert bool(why) == rejected and (not why or "the question asks for a function of it" in why)


def test_an_answer_longer_than_its_quote_may_be_is_no_short_answer():
    assert not_short("dictionary unpacking") == "" and not_short(" ".join(["w"] * MAX_ANSWER_WORDS)) == ""
    why = not_short(" ".join(["w"] * (MAX_ANSWER_WORDS + 1)))
    assert f"a sentence of {MAX_ANSWER_WORDS + 1} words" in why and "at most 12 words" in why


def test_the_verifier_rejects_a_sentence_copied_from_the_page_for_any_question():
    """Dev round 23: for a question of no checked kind ("What does ... denote ...?") a 28-word sentence
    copied from the cited page verified and ended the run; now it does not, and the short answer from
    the same passage still does."""
    text = ("Dictionary displays\nA double asterisk ** denotes dictionary unpacking. Its operand must be a "
            "mapping. A set display is denoted by curly braces and distinguishable from dictionary displays by "
            "the lack of colons separating keys and values.")

    def verdict(answer, quote):
        return _verdict(text, "6. Expressions", "What does a double asterisk ** denote in a dictionary display?",
                        answer, quote)

    sentence = ("A set display is denoted by curly braces and distinguishable from dictionary displays by the lack "
                "of colons separating keys and values")
    bad = verdict(sentence, "A set display is denoted by curly braces")
    assert not bad.passed and "not a short answer" in bad.feedback
    assert verdict("dictionary unpacking", "A double asterisk ** denotes dictionary unpacking").passed
    # unverified, it still ranks below every answer of the asked form, even one whose quote is not on the page
    # (it was the run's best unverified answer above the right one, which the judge had turned down: 0.05)
    other = verdict("mapping unpacking", "it unpacks a mapping")
    assert not other.passed and bad.score < 0.05 < other.score
