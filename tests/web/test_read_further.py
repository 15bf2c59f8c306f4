"""Dig deeper reads further into the lead: `open` on a page opened before shows its next paragraphs
that match the question (charged as an open call; nothing more: a tool error, not charged), and
after an answer that did not verify the fallback reads on in the page it cited before opening the
next result. The answer is often further down a long page than the first two paragraphs shown."""
import asyncio

import pytest

from agents.graph import run
from agents.models.scripted import ScriptedModel
from agents.runtime import Runtime
from agents.state import Task
from agents.web.actions import fallback_action, more_of, parse_action
from agents.web.env import close_all
from agents.web.pipeline import build, reason
from budgets import Budget
from tools.web.index import build_index
from tools.web.tools import view

Q = "Which function of the zoneinfo module lists the available time zones?"
PAD = " Further notes on the reference follow here, in words that are not the question's own at all." * 2
FILLER = "Note {}: zoneinfo lists the time zones available on the system, time zones and zones." + PAD
PARAS = [FILLER.format(i) for i in range(2)] + [  # each longer than half a passage: one paragraph a passage
    "Call available_timezones() to get the set of every valid time key." + PAD,
    "Unrelated closing words about the license of this manual." + PAD]


@pytest.fixture()
def long_index(tmp_path):
    root = tmp_path / "docs"
    root.mkdir()
    body = "".join(f"<p>{p}</p>" for p in PARAS)
    (root / "zoneinfo.html").write_text(f"<html><head><title>zoneinfo</title></head><body><main><h1>zoneinfo</h1>"
                                        f"{body}</main></body></html>")
    (root / "other.html").write_text("<html><body><main><p>Other page on time zones and zoneinfo.</p></main></body></html>")
    build_index(root, tmp_path / "i.sqlite")
    yield tmp_path / "i.sqlite"
    close_all()


def test_a_view_leaves_out_what_was_shown_and_stops_at_what_does_not_match():
    text = "\n".join(PARAS)
    first = view(text, Q, (), 2, 400)
    assert [i for i, _ in first] == [0, 1]  # the most words shared with the question
    second = view(text, Q, [0, 1], 2, 400)
    assert [i for i, _ in second] == [2]  # the license paragraph shares no word with it: not shown
    assert view(text, Q, [0, 1, 2], 2, 400) == []
    assert [i for i, _ in view("alpha\n\nbeta", "zzz", (), 1, 5)] == [0]  # nothing matches: the page's start


def test_reopening_is_allowed_until_the_page_is_used_up():
    memo = {"results": [{"url": "u1", "title": "", "snippet": ""}], "seen": ["u1"], "opened": ["u1"]}
    assert parse_action('{"tool": "open", "input": "1"}', memo, {})["url"] == "u1"
    with pytest.raises(ValueError, match="nothing more on that page"):
        parse_action('{"tool": "open", "input": "1"}', memo | {"exhausted": ["u1"]}, {})


def test_after_an_unverified_answer_the_fallback_reads_on_in_the_cited_page():
    memo = {"results": [{"url": "u1"}, {"url": "u2"}], "opened": ["u1"], "evidence": [{"url": "u1", "text": "x"}],
            "answered_on": 1, "cited": "u1", "views": {"u1": [0, 3]}}
    assert more_of(memo) == "u1" and fallback_action(memo, {}, Q)["url"] == "u1"
    for done in ({"views": {"u1": list(range(4))}}, {"exhausted": ["u1"]}, {"answered_on": 0}, {"cited": ""}):
        assert not more_of(memo | done) and fallback_action(memo | done, {}, Q)["url"] == "u2"


def test_after_a_new_search_digging_deeper_opens_its_results_not_more_of_the_old_page():
    from agents.web.research import ResearchStage
    memo = {"results": [{"url": "u1"}], "opened": ["u1"], "evidence": [{"url": "u1", "text": "x"}],
            "answered_on": 1, "cited": "u1", "views": {"u1": [0, 1]}, "searched": ["q"]}
    assert fallback_action(memo, {}, Q)["url"] == "u1"  # before the search: more of the cited page
    ResearchStage(env=None)._remember(memo, {"tool": "search", "input": "q2", "url": ""},
                                      {"results": [{"url": "u2"}, {"url": "u1"}]})
    assert not more_of(memo) and fallback_action(memo, {}, Q)["url"] == "u2"


def test_the_answer_further_down_the_page_is_found_and_verified(long_index):
    wrong = '{"answer": "gettz", "source": 1, "quote": "Note 0: zoneinfo lists the time zones"}'
    right = '{"answer": "available_timezones", "source": 2, "quote": "Call available_timezones() to get the set"}'
    script = ['{"queries": []}', '{"tool": "open", "input": "1"}', '{"tool": "answer", "input": "gettz"}', wrong,
              right]  # digging deeper reads on in the cited page (no model call); the new view is answered at once
    model = ScriptedModel(script)
    rt = Runtime(model=model, budget=Budget.parse("search=2,open=3,find=1"))
    opened_first = view("\n".join(PARAS), Q, (), 2, 400)
    assert "available_timezones" not in " ".join(p for _, p in opened_first)  # the first view misses it
    result = asyncio.run(run(build({"k": 1, "index": str(long_index), "reader": False}), Task(id="q", kind="web",
                                                                            input={"question": Q}), rt))
    memo = result.stages["research"].memo
    assert memo["opened"] == [memo["cited"]] and memo["cited"].endswith("/zoneinfo.html")  # one page, read twice
    assert len(memo["evidence"]) == 2 and "available_timezones" in memo["evidence"][1]["text"]
    assert result.answer["answer"] == "available_timezones" and result.answer["verified"] is True
    assert result.spend["tool_calls"] == {"search": 1, "open": 2}  # the second view is an open call
    assert "answer verified" in reason(result)
    assert result.stages["research"].digs >= 1 and result.stages["research"].pivots == 0


def test_with_no_open_call_left_a_new_search_is_not_worth_a_step():
    """A search whose results cannot be opened gives the next answer nothing new (a dev run spent
    three steps on such searches after its last open)."""
    memo = {"results": [{"url": "u1"}], "opened": ["u1"], "evidence": [{"url": "u1", "text": "x"}],
            "answered_on": 1, "cited": "u1", "exhausted": ["u1"], "checklist": ["a b"], "searched": []}
    assert fallback_action(memo, {"search": 2, "open": 0, "find": 0}, Q)["tool"] == "answer"
    assert fallback_action(memo, {"search": 2, "open": 1}, Q) == {"tool": "search", "input": "a b", "url": ""}
    assert fallback_action(memo | {"evidence": []}, {"search": 2, "open": 0, "find": 0}, Q)["tool"] == "search"
    # a find can read the new search's results: the search is worth it; an unread result is found at once
    assert fallback_action(memo, {"search": 2, "open": 0, "find": 1}, Q)["tool"] == "search"
    unread_one = memo | {"results": [{"url": "u1"}, {"url": "u2"}]}
    assert fallback_action(unread_one, {"search": 2, "open": 0, "find": 1}, Q) == {"tool": "find", "input": Q, "url": "u2"}


def test_an_unverified_answer_with_no_open_call_left_stops_instead_of_pivoting(long_index):
    wrong = '{"answer": "gettz", "source": 1, "quote": "Note 0: zoneinfo lists the time zones"}'
    model = ScriptedModel(['{"queries": []}', '{"tool": "open", "input": "1"}', '{"tool": "answer", "input": "gettz"}',
                           wrong])
    rt = Runtime(model=model, budget=Budget.parse("search=3,open=1,find=0"))
    result = asyncio.run(run(build({"k": 1, "index": str(long_index), "reader": False}), Task(id="q", kind="web",
                                                                            input={"question": Q}), rt))
    assert len(model.calls) == 4 and result.stages["research"].pivots == 0
    assert result.spend["tool_calls"] == {"search": 1, "open": 1}
    assert "opens left 0" in reason(result) and result.answer["answer"] == "gettz"


def test_with_the_opens_spent_digging_deeper_finds_in_the_next_result(long_index):
    """The same run with one find call: the unverified answer is not the end while a find can read
    the search's other result; the new evidence is answered at once (no act call chose the find)."""
    wrong = '{"answer": "gettz", "source": 1, "quote": "Note 0: zoneinfo lists the time zones"}'
    other = '{"answer": "zoneinfo", "source": 2, "quote": "Other page on time zones and zoneinfo."}'
    model = ScriptedModel(['{"queries": []}', '{"tool": "open", "input": "1"}', '{"tool": "answer", "input": "gettz"}',
                           wrong, other])
    rt = Runtime(model=model, budget=Budget.parse("search=3,open=1,find=1"))
    result = asyncio.run(run(build({"k": 1, "index": str(long_index), "reader": False}), Task(id="q", kind="web",
                                                                            input={"question": Q}), rt))
    memo = result.stages["research"].memo
    assert result.spend["tool_calls"] == {"search": 1, "open": 1, "find": 1}
    assert result.stages["research"].digs >= 1
    assert memo["evidence"][-1]["url"].endswith("/other.html") and len(memo["opened"]) == 2
    # the fifth model call answers from the found paragraph (the re-answer: greedy, then samples)
    assert "Other page on time zones" in model.calls[4]["messages"][-1]["content"]
