"""A search that names an answer which did not verify is not made again: the plan's guessed answers
("json.loads raises ValueError") are skipped by a pivot once that answer failed, and the model's own
query naming one is refused with a tool error it sees (dev: json-error's pivots searched two guesses)."""
import asyncio
import json

import pytest

from agents.graph import run
from agents.models.scripted import ScriptedModel
from agents.runtime import Runtime
from agents.state import Task
from agents.web.actions import fallback_action, names_rejected, parse_action, planned_query
from agents.web.env import close_all
from agents.web.pipeline import build
from budgets import Budget

JQ = "Which exception does json.loads raise when the document is not valid JSON?"
PLAN = ["exception json.loads raise document not valid JSON", "json.loads raises ValueError",
        "json.loads raises SyntaxError", "json decoder errors"]


def test_a_query_names_a_failed_answer_only_by_words_the_question_lacks():
    memo = {"rejected": ["ValueError"]}
    assert names_rejected("json.loads raises ValueError", memo, JQ) == "ValueError"
    assert names_rejected("json.loads raises valueerror!", memo, JQ) == "ValueError"  # case, punctuation
    assert names_rejected("json.loads raises SyntaxError", memo, JQ) == ""
    # an answer of the question's own words names nothing new: queries made of them stay allowed
    assert names_rejected("json.loads exception", {"rejected": ["json.loads exception"]}, JQ) == ""
    # whole words of the answer, in order: "Python 3.1" is not in "Python 3.10"
    vq = "In which Python version was the statistics module added?"
    assert names_rejected("statistics module Python 3.10", {"rejected": ["Python 3.1"]}, vq) == ""
    assert names_rejected("statistics added in Python 3.8", {"rejected": ["3.8"]}, vq) == "3.8"
    assert names_rejected("anything", {}, JQ) == ""


def test_the_next_planned_query_skips_the_ones_naming_a_failed_answer():
    memo = {"checklist": PLAN, "searched": PLAN[:1], "rejected": []}
    assert planned_query(memo, JQ) == PLAN[1]
    memo["rejected"] = ["ValueError"]
    assert planned_query(memo, JQ) == PLAN[2]
    memo["rejected"] = ["ValueError", "SyntaxError"]
    assert planned_query(memo, JQ) == PLAN[3]
    memo["searched"] = [PLAN[0], PLAN[3]]
    assert planned_query(memo, JQ) == ""  # nothing planned is left: the model chooses
    assert planned_query(memo, JQ, or_question=True) == JQ  # the fallback's last resort, the question itself
    # the fallback action with nothing to read searches the next allowed query
    memo.update(searched=PLAN[:1], results=[], evidence=[{"url": "u", "text": "t"}])
    assert fallback_action(memo, {"search": 3, "open": 2}, JQ) == {"tool": "search", "input": PLAN[3], "url": ""}


def test_the_models_query_naming_a_failed_answer_is_a_tool_error():
    memo = {"searched": PLAN[:1], "rejected": ["ValueError"]}
    with pytest.raises(ValueError, match="'ValueError' was answered and not verified"):
        parse_action('{"tool": "search", "input": "json ValueError"}', memo, {"search": 2}, JQ, pivot=True)
    ok = parse_action('{"tool": "search", "input": "json decode error class"}', memo, {"search": 2}, JQ, pivot=True)
    assert ok["input"] == "json decode error class"


WRONG = '{"answer": "3.7", "source": 1, "quote": "this sentence is not on the page"}'
GOOD = '{"answer": "3.9", "source": 1, "quote": "New in version 3.9. The zoneinfo module provides"}'
Q = "In which Python version was the zoneinfo module added?"


def test_a_pivot_after_a_failed_answer_searches_past_the_plans_guess_of_it(web_index, tmp_path):
    """The plan guessed 3.7 ("tzdata zoneinfo Python 3.7"); the run answered 3.7 three times unverified and pivots: it searches
    the plan's next query that does not name 3.7 (no model call), not the guess."""
    plan = '{"queries": ["tzdata zoneinfo Python 3.7", "IANA time zone module"]}'
    script = [plan, '{"tool": "open", "input": "1"}', '{"tool": "answer", "input": "3.7"}', WRONG] + \
        [WRONG.replace('"3.7"', '"3.7."')] * 2 + [GOOD] * 3
    model = ScriptedModel(script)
    try:
        result = asyncio.run(run(build({"k": 1, "index": str(web_index), "reanswer_k": 1, "reader": False}),
                                 Task(id="q", kind="web", input={"question": Q}),
                                 Runtime(model=model, budget=Budget.parse("search=5,open=5,find=5")),
                                 run_dir=tmp_path / "r"))
    finally:
        close_all()
    memo = result.stages["research"].memo
    assert "tzdata zoneinfo Python 3.7" in memo["checklist"]  # planned, and never searched
    assert memo["searched"][:2] == ["Python version zoneinfo module added", "IANA time zone module"]
    steps = [json.loads(line) for line in (tmp_path / "r" / "trajectory.jsonl").read_text().splitlines()]
    pivot = next(s for s in steps if s["mode"] == "pivot")
    assert pivot["candidates"][0]["content"]["input"] == "IANA time zone module"
    assert result.answer["answer"] == "3.9" and result.answer["verified"] is True
