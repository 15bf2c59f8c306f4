"""Passage support: an answer the model could not quote is verified by the cited page's passage
that best matches the question, and only by that passage. The shapes are the dev split's (the
0.5B answered PYTHONPATH quoting the sentence after it, "3.6.0" for secrets with a quote of its own
making); the wrong answers are the ones it gave from other parts of the same pages."""
import asyncio

import pytest

from agents.web.support import answer_tokens, empty_answer, supporting_passage, tokens
from agents.web.verify import EvidenceVerifier
from agents.state import Candidate


def passage_support(page, answer, question):
    """The passage rule's passage: the best-score passage holding the answer, or ""."""
    return supporting_passage(page, answer, question, top=1)[1]

CMDLINE = ("PYTHONHOME\n" + "Change the location of the standard Python libraries. The libraries are searched in "
           "prefix/lib/pythonversion and exec_prefix/lib/pythonversion. " * 4 + "\n\n"
           "PYTHONPATH\nAugment the default search path for module files. The format is the same as the "
           "shell's PATH: one or more directory pathnames separated by os.pathsep.\n\n"
           "PYTHONSAFEPATH\n" + "Do not prepend a potentially unsafe path to sys.path. New in version 3.11. " * 5
           + "\n\nSee PEP 370 for the user site directory and PEP 11 for platform support.\n")
SECRETS = ("secrets — Generate secure random numbers for managing secrets\nNew in version 3.6.\n"
           "Source code: Lib/secrets.py\n\n" + "The secrets module is used for generating cryptographically "
           "strong random numbers suitable for managing data such as passwords. " * 3 + "\n\n"
           "Changed in version 3.7: token_bytes accepts None. " * 8 + "\n")
Q_PATH = "Which environment variable augments the default search path for module files?"
Q_SECRETS = "In which Python version was the secrets module added?"


@pytest.mark.parametrize("page, answer, question", [
    (CMDLINE, "PYTHONPATH", Q_PATH),
    (SECRETS, "3.6.0", Q_SECRETS),            # a version's trailing ".0"
    (SECRETS, "Python 3.6", Q_SECRETS),       # leading filler
    (SECRETS, "The secrets module was added in Python 3.6", Q_SECRETS),  # a sentence: what it adds, a digit
])
def test_an_answer_in_the_best_passage_is_supported(page, answer, question):
    assert passage_support(page, answer, question)


@pytest.mark.parametrize("page, answer, question", [
    (CMDLINE, "PYTHONHOME", Q_PATH),          # on the page, in another passage
    (CMDLINE, "PEP 370", Q_PATH),             # a PEP named in passing
    (SECRETS, "3.7", Q_SECRETS),              # a version of another passage
    (SECRETS, "3", Q_SECRETS),                # "3" is not in "3.6": dotted numbers are one token
    (SECRETS, "secure random numbers module", Q_SECRETS),  # words with no digit: must occur as written
    (CMDLINE, "PYTHONPATH", "Which color is the sky on a clear day?"),  # nothing on the page matches the question
    ("", "PYTHONPATH", Q_PATH),
])
def test_an_answer_elsewhere_or_nowhere_is_not(page, answer, question):
    assert passage_support(page, answer, question) == ""


def test_tokens_keep_dotted_numbers_whole():
    assert tokens("New in version 3.9.0; see str.removeprefix()") == ["new", "in", "version", "3.9", "see", "str",
                                                                       "removeprefix"]
    assert answer_tokens("PEP 572", "Which PEP introduced assignment expressions?") == [["pep", "572"], ["572"]]


class _Tools:
    def __init__(self, text):
        self.text = text

    def page(self, url):
        return self


class _Ctx:
    """Just what the verifier reads: the task's question, the cited page, the memo, the errors."""
    def __init__(self, question, text):
        self.task = type("T", (), {"input": {"question": question}})()
        self.stage = type("S", (), {"env": type("E", (), {"tools": lambda s: _Tools(text)})()})()
        self.memo, self.errors = {}, []


def _verdict(question, page, answer, quote, rejected=(), temperature=0.0, **settings):
    c = Candidate(content={"tool": "answer", "answer": answer, "source": "http://127.0.0.1/p", "quote": quote},
                  meta={"temperature": temperature})
    ctx = _Ctx(question, page)
    if rejected:
        ctx.memo["rejected"] = list(rejected)  # answers of this run that did not verify
    return asyncio.run(EvidenceVerifier(judge=False, **settings).verify(ctx, [c]))[0]


def test_the_verifier_accepts_by_passage_and_says_so():
    v = _verdict(Q_PATH, CMDLINE, "PYTHONPATH", "The format is the same as the shell's PATH: one or more directory")
    assert v.passed and v.details.passage is True and "best matches the question" in v.feedback
    wrong = _verdict(Q_PATH, CMDLINE, "PYTHONHOME", "The format is the same as the shell's PATH: one or more directory")
    assert not wrong.passed and wrong.details.passage is False and wrong.score < v.score
    quoted = _verdict(Q_SECRETS, SECRETS, "3.6", "Generate secure random numbers for managing secrets New in version 3.6")
    assert quoted.passed and quoted.details.passage is None and quoted.score > v.score  # a real quote ranks first


TEXTWRAP = ("textwrap — Text wrapping and filling\nSource code: Lib/textwrap.py\n" + "The textwrap module provides "
            "some convenience functions, as well as TextWrapper, the class that does all the work. " * 3 + "\n"
            + "Wraps the single paragraph in text so every line is at most width characters long. " * 3 + "\n"
            "textwrap.dedent(text)\n" + "Remove any common leading whitespace from every line in text. This can be "
            "used to make triple-quoted strings line up with the left edge of the display. " * 2 + "\n"
            + "Note that tabs and spaces are both treated as whitespace, but they are not equal. " * 4 + "\n"
            "textwrap.indent(text, prefix)\nAdd prefix to the beginning of selected lines in text.\n")
Q_DEDENT = "Which textwrap function removes any common leading whitespace from every line in a text?"


def test_the_line_before_the_best_passage_is_its_heading():
    """Docs put a function's name on the line before its description; passages are cut at about 400
    characters, so the name often ends the passage before."""
    assert "textwrap.dedent" in passage_support(TEXTWRAP, "textwrap.dedent", Q_DEDENT)
    assert passage_support(TEXTWRAP, "textwrap.indent", Q_DEDENT) == ""


def test_a_real_quote_from_another_part_of_the_page_does_not_verify():
    """A whole quote found on the page holding the answer is not enough: the answer must be in the
    part of the page about the question (dev: "Context Managers in Python" quoted from a paragraph on
    context managers)."""
    elsewhere = _verdict(Q_DEDENT, TEXTWRAP, "TextWrapper",
                         "as well as TextWrapper, the class that does all the work")
    assert elsewhere.details.quote_found and not elsewhere.passed
    assert "not in the part of the page that matches the question" in elsewhere.feedback
    right = _verdict(Q_DEDENT, TEXTWRAP, "dedent", "textwrap.dedent(text) Remove any common leading whitespace")
    assert right.passed and right.details.passage is None and right.score > elsewhere.score


@pytest.mark.parametrize("answer, why", [
    ("the", "names nothing"),                       # in the best passage, as a word: the passage rule would take it
    ("is in the", "names nothing"),
    ("textwrap function", "repeats the question's words"),
    ("", "is empty"),
])
def test_an_answer_that_names_nothing_does_not_verify(answer, why):
    v = _verdict(Q_DEDENT, TEXTWRAP, answer, "Remove any common leading whitespace from every line in text")
    assert not v.passed and why in v.feedback
    assert empty_answer("dedent", Q_DEDENT) == "" and empty_answer("PYTHONPATH", Q_PATH) == ""


def test_a_choice_the_question_offers_is_an_answer():
    q = "Is textwrap.dedent a function or a class?"
    assert empty_answer("function", q) == "" and empty_answer("textwrap function", Q_DEDENT)
    assert empty_answer("No", "Does textwrap.dedent change tabs into spaces?") == ""  # a yes/no question
    # an "or" that offers no choice: "duration" is the question's word, not one of two alternatives
    q = "Which class represents a duration, the difference between two dates or times?"
    assert "repeats the question's words" in empty_answer("duration", q) and empty_answer("times", q) == ""


def test_an_answer_that_failed_before_needs_the_best_passage_when_it_comes_again():
    """A real quote from the second-best passage ("Changed in version 3.7", for the version that added
    the module) verifies an answer the first time; once that answer did not verify, the model quoting
    it again from elsewhere is not enough. Another answer after the failure verifies as before, and
    the best passage's answer verifies either way."""
    quote = "Changed in version 3.7: token_bytes accepts None."
    q, page = Q_SECRETS, SECRETS.replace("secrets — ", "")  # a page not titled "secrets — ...": no module entry
    first = _verdict(q, page, "3.7", quote)
    assert first.passed and first.details.quote_found
    assert _verdict(q, page, "3.7", quote, rejected=["3.5"]).passed  # a new answer after a failure
    again = _verdict(q, page, "Python 3.7", quote, rejected=["3.5", "python 3.7"])
    assert not again.passed and again.details.quote_found
    assert "did not verify before" in again.feedback
    right = _verdict(q, page, "3.6", "Generate secure random numbers for managing secrets New in version 3.6",
                     rejected=["3.6"])
    assert right.passed and right.score > again.score


@pytest.mark.parametrize("setting, greedy, sampled", [("any", True, True), ("greedy", True, False),
                                                      ("none", False, False)])
def test_which_answers_after_a_failure_the_best_passage_alone_verifies(setting, greedy, sampled):
    """`reanswer_passage`: after an answer that did not verify, the passage rule (the answer in the best
    passage, whatever the quote) is open to every re-answer, to the greedy one only, or to none; an
    answer with its own quote verifies in every setting, and a first answer by passage too."""
    paraphrase = "The format is the same as the shell's PATH: one or more directory"
    for temperature, expected in ((0.0, greedy), (1.0, sampled)):
        v = _verdict(Q_PATH, CMDLINE, "PYTHONPATH", paraphrase, ["PYTHONHOME"], temperature, reanswer_passage=setting)
        assert v.passed is expected and v.details.passage is expected
    assert _verdict(Q_PATH, CMDLINE, "PYTHONPATH", paraphrase, temperature=1.0, reanswer_passage=setting).passed
    quoted = _verdict(Q_SECRETS, SECRETS, "3.6", "Generate secure random numbers for managing secrets New in version "
                      "3.6", ["3.5"], 1.0, reanswer_passage=setting)
    assert quoted.passed and quoted.details.passage is None
