"""An answer whose quote is from another excerpt the answer prompt showed than the one it cites (a small model
quotes one item and gives another's number: dev rounds 19-20, 38 answers) is verified against the page its
quote is from when it does not verify as cited, with a judge model only and at the risen bar (the judge's own
reading must agree); the answer then cites that page. What holds for an answer on its cited page holds there:
a wrong answer quoted from the right page still fails."""
import asyncio

import pytest

from agents.graph import run
from agents.models.scripted import ScriptedModel
from agents.runtime import Runtime
from agents.state import Candidate, Task
from agents.web.env import close_all
from agents.web.pipeline import build
from agents.web.quotes import quoted_item
from agents.web.verify import EvidenceVerifier
from budgets import Budget
from tests.web.test_passage_support import Q_DEDENT, TEXTWRAP
from tests.web.test_pipeline_scripted import PLAN3, Q

OTHER = ("tempfile — Generate temporary files\n" + "This module creates temporary files and directories. It works on "
         "all supported platforms. " * 4 + "\nThe prefix, suffix, and dir arguments are the same as for mkstemp().\n")
QUOTE = "textwrap.dedent(text) Remove any common leading whitespace from every line in text"
ITEMS = [{"url": "u/textwrap", "text": TEXTWRAP[TEXTWRAP.index("textwrap.dedent"):][:300]},
         {"url": "u/tempfile", "text": OTHER[:300]}]


@pytest.fixture(autouse=True)
def _close():
    yield
    close_all()


class _Tools:
    def page(self, url):
        return type("P", (), {"text": {"u/textwrap": TEXTWRAP, "u/tempfile": OTHER}[url], "title": ""})()


class _Ctx:
    def __init__(self):
        self.task = type("T", (), {"input": {"question": Q_DEDENT}})()
        self.stage = type("S", (), {"env": type("E", (), {"tools": lambda s: _Tools()})()})()
        self.memo, self.errors = {"evidence": list(ITEMS)}, []


class _JudgeCtx(_Ctx):
    """A judge model that answers the question itself with `says` (and would say "yes" to any answer)."""
    def __init__(self, says):
        super().__init__()
        self.says, self.asked = says, []

    async def generate(self, messages, params, *, model=None, purpose="sample"):
        self.asked.append(messages[-1]["content"])
        return ["yes" if params.max_tokens <= 3 else self.says]


def _verify(answer, quote, source="u/tempfile", reads="textwrap.dedent", judge_model="local/judge"):
    """The verdict with a judge model that says yes to any answer and reads the passage as `reads`."""
    c = Candidate(content={"tool": "answer", "answer": answer, "source": source, "quote": quote})
    ctx = _JudgeCtx(reads)
    return asyncio.run(EvidenceVerifier(judge=False, judge_model=judge_model).verify(ctx, [c]))[0], c


def test_the_item_that_holds_the_quote_is_found_when_the_cited_one_does_not():
    assert quoted_item({"quote": QUOTE, "source": "u/tempfile"}, ITEMS) == "u/textwrap"
    assert quoted_item({"quote": QUOTE, "source": "u/textwrap"}, ITEMS) is None  # the cited item holds it
    assert quoted_item({"quote": "words that no item shows anywhere at all", "source": "u/tempfile"}, ITEMS) is None
    assert quoted_item({"quote": "", "source": "u/tempfile"}, ITEMS) is None
    assert quoted_item({"quote": "Remove any", "source": "u/tempfile"}, ITEMS) is None  # too short to tell


def test_an_answer_citing_the_wrong_item_verifies_on_the_page_its_quote_is_from():
    v, c = _verify("textwrap.dedent", QUOTE)
    assert v.passed and v.details.source == "u/textwrap" and c.meta["source"] == "u/textwrap"
    assert c.meta["verified"] is True and "where its quote is; it cited u/tempfile" in v.feedback


def test_a_wrong_answer_quoted_from_the_right_page_still_fails_and_keeps_its_citation():
    v, c = _verify("textwrap.indent", QUOTE, reads="textwrap.indent")  # even a judge that agrees: not its passage
    assert not v.passed and v.details.source == "u/tempfile" and "source" not in c.meta
    assert c.meta["verified"] is False and "its quote is not on the cited page" in v.feedback
    made_up, c = _verify("textwrap.dedent", "a sentence of its own that no excerpt holds anywhere")
    assert made_up.details.source == "u/tempfile" and "source" not in c.meta  # nothing to move to


def test_the_run_answers_with_the_page_its_quote_is_from(web_index):
    """Live on scripted models: two pages opened, the answer quotes the first and cites the second; the judge
    model reads the first page's passage and agrees."""
    agent = ScriptedModel([PLAN3, '{"tool": "open", "input": "1"}', '{"tool": "open", "input": "2"}',
                           '{"tool": "answer", "input": "3.9"}',
                           '{"answer": "3.9", "source": 2, "quote": "New in version 3.9. The zoneinfo module provides"}'])
    judge = ScriptedModel(["3.9"])
    rt = Runtime(model=agent, budget=Budget.parse("search=3,open=3,find=3"))
    rt._models["local/judge"] = judge
    result = asyncio.run(run(build({"k": 1, "index": str(web_index), "judge_model": "local/judge", "reader": False}),
                             Task(id="q", kind="web", input={"question": Q}), rt))
    assert len(judge.calls) == 1 and "zoneinfo module provides" in judge.calls[0]["messages"][-1]["content"]
    research = result.stages["research"]
    assert [u.rsplit("/", 1)[1] for u in research.memo["opened"]] == ["zoneinfo.html", "notes.txt"]
    assert result.answer["verified"] is True and result.answer["sources"][0].endswith("/doc/zoneinfo.html")
    assert research.best.content["source"].endswith("/doc/notes.txt")  # the model's own citation is kept as it was
    assert research.memo["answers"] == 1 and research.memo["cited"].endswith("/doc/zoneinfo.html")


def test_a_moved_citation_must_pass_the_risen_bar():
    """The model that cited the wrong excerpt is confused: on the page its quote is from, its answer must agree
    with the judge model's own reading of the passage, not just get a yes (dev replay: 4 right answers verified,
    none wrong; with the yes/no judge, 1 wrong too)."""
    for says, passed in (("textwrap.dedent", True), ("textwrap.indent", False)):
        ctx = _JudgeCtx(says)
        c = Candidate(content={"tool": "answer", "answer": "textwrap.dedent", "source": "u/tempfile", "quote": QUOTE})
        v = asyncio.run(EvidenceVerifier(judge=False, judge_model="local/judge").verify(ctx, [c]))[0]
        assert v.passed is passed and ("source" in c.meta) is passed
        assert any("Remove any common leading whitespace" in p for p in ctx.asked)  # it read the quote's page


def test_without_a_judge_model_nothing_moves():
    """No judge model, no risen bar: the rules alone let wrong answers through on the moved page (dev replay: 4
    right, 6 wrong), so the answer is judged as cited."""
    v, c = _verify("textwrap.dedent", QUOTE, judge_model=None)
    assert not v.passed and v.details.source == "u/tempfile" and "source" not in c.meta
