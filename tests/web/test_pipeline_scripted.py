"""The BATS loop on a scripted model (deterministic): verified answers, budget exhaustion mid-plan
(the best answer so far with its reason), tool errors the model sees, the tracker ablation (the budget
block itself: test_budget_block.py)."""
import asyncio
import json

import pytest

from agents.graph import run
from agents.models.scripted import ScriptedModel
from agents.runtime import Runtime
from agents.state import Task
from agents.web.actions import parse_action
from agents.web.env import close_all
from agents.web.pipeline import build, reason
from budgets import Budget

Q = "In which Python version was the zoneinfo module added?"
PLAN3 = '{"queries": ["IANA time zone module", "zoneinfo version", "time zones"]}'
QQ = "Python version zoneinfo module added"  # the question's own words: always the first planned search
GOOD = '{"answer": "3.9", "source": 1, "quote": "New in version 3.9. The zoneinfo module provides"}'
WRONG = '{"answer": "3.7", "source": 1, "quote": "this sentence is not on the page"}'


@pytest.fixture(autouse=True)
def _close():
    yield
    close_all()


def ask(responses, budget, **options):
    model = ScriptedModel(responses)
    rt = Runtime(model=model, budget=Budget.parse(budget))
    opts = {"k": 1, "reader": False} | options  # the reader's extra call: test_reader.py
    result = asyncio.run(run(build(opts), Task(id="q", kind="web", input={"question": Q}), rt))
    return result, model


def user_prompts(model):
    return [c["messages"][-1]["content"] for c in model.calls]


def test_a_verified_answer_cites_the_page_it_quotes(web_index):
    result, model = ask([PLAN3, '{"tool": "open", "input": "1"}',
                         '{"tool": "answer", "input": "3.9"}', GOOD], "search=3,open=3,find=3",
                        index=str(web_index))
    assert result.answer["answer"] == "3.9" and result.answer["verified"] is True
    assert result.answer["sources"][0].endswith("/doc/zoneinfo.html")
    assert result.spend["tool_calls"] == {"search": 1, "open": 1}
    assert result.spend["tool_usd"] == pytest.approx(0.005 + 0.001)
    assert "answer verified" in reason(result)
    assert len(model.calls) == 4  # plan, open, answer-act, answer: the planned search needs no call, a whole
    assert "zoneinfo" in user_prompts(model)[3]  # quote found is not judged; the answer step showed the page
    assert result.stages["research"].memo["searched"] == [QQ]


ALTERED = '{"answer": "3.9", "source": 1, "quote": "New in version 3.9. The zoneinfo module was a big success"}'


@pytest.mark.parametrize("judge, verified", [("yes", True), ("no", False)])
def test_a_quote_only_right_around_the_answer_is_judged(web_index, judge, verified):
    result, model = ask([PLAN3, '{"tool": "open", "input": "1"}',
                         '{"tool": "answer", "input": "3.9"}', ALTERED, judge], "search=3,open=3,find=3",
                        index=str(web_index))
    assert "Reply yes or no" in model.calls[4]["messages"][-1]["content"]  # the judge saw the altered quote
    assert result.answer["verified"] is verified


def test_tools_spent_mid_plan_returns_the_best_answer_so_far_with_the_reason(web_index):
    result, model = ask([PLAN3, '{"tool": "open", "input": "1"}',
                         WRONG], "search=1,open=1,find=1", index=str(web_index), tracker=False)  # a plan not sized to the budget
    # "zoneinfo version" adds no word to the question's own query: dropped
    assert result.stages["research"].memo["checklist"] == [QQ, "IANA time zone module", "time zones"]
    assert result.stages["research"].memo["searched"] == [QQ]  # 1 of 3 planned searches
    assert result.answer == {"answer": "3.7", "sources": [result.answer["sources"][0]],
                             "quote": "this sentence is not on the page", "verified": False}
    why = reason(result)
    assert "no search or open call left" in why and "best answer so far" in why
    assert result.spend["tool_calls"] == {"search": 1, "open": 1}


AFTER_WRONG = [GOOD]  # the dig deeper opens the next result (no model call), answered at once (reanswer)


@pytest.mark.parametrize("tracker", [True, False])
def test_only_the_tracker_digs_deeper_after_an_unverified_answer(web_index, tracker):
    """The BATS controller reads on after an answer that did not verify; the budget-unaware baseline
    (ReAct, --no-tracker) ends the run at its first answer, with calls left."""
    result, model = ask([PLAN3, '{"tool": "open", "input": "1"}', '{"tool": "answer", "input": "3.7"}', WRONG]
                        + AFTER_WRONG, "search=3,open=3,find=3", index=str(web_index), tracker=tracker)
    research = result.stages["research"]
    if tracker:
        assert result.answer["answer"] == "3.9" and result.answer["verified"] is True
        assert research.memo["answers"] == 2 and research.digs >= 2
        # plan, open, answer-act, answer, then the re-answer: greedy, and 2 sampled (reanswer_k=3); the
        # dig deeper's open of the next result is the rule's (no model call), and no act step follows it
        assert len(model.calls) == 6 and len(research.memo["opened"]) == 2
        params = [c["params"] for c in model.calls[-3:]]
        assert [(p["n"], p["temperature"]) for p in params] == [(1, 0.0), (1, 0.0), (2, 1.0)]
        reanswer = model.calls[-1]["messages"][-1]["content"]
        assert "Answers not verified so far: '3.7'" in reanswer and "Draft answer" not in reanswer
        assert "Draft answer: 3.7" in model.calls[3]["messages"][-1]["content"]  # the first answer's draft
    else:
        assert result.answer["answer"] == "3.7" and result.answer["verified"] is False
        assert research.memo["answers"] == 1 and len(model.calls) == 4  # plan, open, answer-act, answer
        assert result.spend["tool_calls"] == {"search": 1, "open": 1}
        assert "first answer ends a budget-unaware run" in reason(result)


def test_tokens_spent_mid_research_return_the_draft_with_the_reason(web_index):
    result, _ = ask([PLAN3, '{"tool": "open", "input": "1"}',
                     '{"tool": "answer", "input": "3.9"}'], "calls=3,search=3,open=3,find=3", index=str(web_index))
    assert result.answer["answer"] == "3.9" and result.answer["verified"] is False
    assert result.answer["sources"] and "budget exhausted" in reason(result)


def test_a_broken_search_server_is_an_error_the_model_sees(faults):
    faults.mode = "notjson"
    result, model = ask([PLAN3, '{"tool": "search", "input": "x"}'], "calls=2,search=3,open=3,find=3", searx=faults.url)
    assert "malformed results (not JSON)" in user_prompts(model)[1]  # the planned search's error
    # two failed searches (the planned one, the model's): a pivot to the plan's next query (no model call)
    assert result.status in ("completed", "budget_exhausted") and result.spend["tool_calls"] == {"search": 3}
    assert result.stages["research"].pivots == 1 and result.spend["model_calls"] == 2


def test_no_valid_sample_falls_back_to_the_next_planned_search(web_index):
    result, _ = ask([PLAN3, "I think I will look around", ], "calls=2,search=3,open=0,find=0", index=str(web_index))
    assert result.stages["research"].memo["searched"] == [QQ, "IANA time zone module"]


def test_with_the_opens_spent_the_fallback_reads_an_unread_result_with_find(web_index):
    """find(url, question) shows the paragraph of a page closest to the question: with no open call
    left but finds, the next unread result is read that way (before: a new search it could not read)."""
    result, _ = ask([PLAN3, "I think I will look around", ], "calls=2,search=3,open=0,find=3", index=str(web_index))
    memo = result.stages["research"].memo
    assert memo["searched"] == [QQ] and result.spend["tool_calls"] == {"search": 1, "find": 1}
    assert memo["opened"] == [memo["results"][0]["url"]] and memo["evidence"][0]["url"] == memo["opened"][0]
    # the budget-unaware arm does not turn to find: its fallback is the next planned search, as before
    result, _ = ask([PLAN3, "I think I will look around", ], "calls=2,search=3,open=0,find=3", index=str(web_index),
                    tracker=False)
    assert "find" not in result.spend["tool_calls"]
    assert result.stages["research"].memo["searched"] == [QQ, "IANA time zone module"]


def test_the_trajectory_records_each_tool_observation(web_index, tmp_path):
    model = ScriptedModel([PLAN3, '{"tool": "search", "input": "TOML"}'])
    rt = Runtime(model=model, budget=Budget.parse("calls=2,search=2"))
    asyncio.run(run(build({"k": 1, "index": str(web_index)}), Task(id="q", kind="web", input={"question": Q}), rt,
                    run_dir=tmp_path / "r"))
    steps = [json.loads(line) for line in (tmp_path / "r" / "trajectory.jsonl").read_text().splitlines()]
    planned, chosen = steps[1]["observation"], steps[2]["observation"]
    assert planned["tool"] == "search" and planned["results"][0]["url"].endswith("/doc/zoneinfo.html")
    assert chosen["tool"] == "search" and chosen["results"][0]["url"].endswith("/doc/tomllib.html")


def test_after_an_unverified_answer_the_next_step_gets_new_evidence_before_answering_again(web_index):
    """Digging deeper after an unverified answer reads on without asking the model (asked, it chose
    to answer the same evidence again every time); a model's answer on the same evidence is refused."""
    result, model = ask([PLAN3, '{"tool": "open", "input": "1"}', '{"tool": "answer", "input": "3.7"}', WRONG,
                         GOOD],  # the rule's open brought new evidence: answered at once
                        "search=3,open=3,find=3", index=str(web_index), reanswer_k=1)
    memo = result.stages["research"].memo
    assert len(memo["opened"]) == 2 and len(model.calls) == 5  # plan, open, answer-act, answer, answer
    assert result.answer["answer"] == "3.9" and result.answer["verified"] is True
    memo = {"evidence": [{"url": "u", "title": "", "text": "t"}], "answered_on": 1, "answers": 1}
    with pytest.raises(ValueError, match="gave no verified answer"):
        parse_action('{"tool": "answer", "input": "3.7"}', memo, {"search": 2, "open": 2}, Q)


def test_a_real_quote_that_does_not_hold_the_answer_does_not_make_it_the_best_so_far(web_index):
    """The 0.5B once quoted a real sentence that said nothing of its answer, and that answer (score
    0.85) outranked its later right answer: now a quote supports an answer only when it contains it."""
    real_but_silent = '{"answer": "3.7", "source": 1, "quote": "provides a concrete time zone implementation"}'
    right_but_misquoted = '{"answer": "3.9", "source": 1, "quote": "it came with the three point nine release"}'
    result, _ = ask([PLAN3, '{"tool": "open", "input": "1"}', '{"tool": "answer", "input": "3.7"}', real_but_silent,
                     right_but_misquoted], "search=1,open=2,find=1",
                    index=str(web_index))
    assert result.stages["research"].memo["answers"] == 2
    # its quote is made up, but the page's passage that best matches the question holds "3.9"
    assert result.answer["answer"] == "3.9" and result.answer["verified"] is True
    assert "verified by the page's passage that best matches the question" in reason(result)


# after each of the rule's opens of the next result (no model call), the same answer, punctuation aside
SAME3 = [PLAN3, '{"tool": "open", "input": "1"}', '{"tool": "answer", "input": "3.7"}', WRONG] + [WRONG.replace('"3.7"', '"3.7."')] * 2


def test_the_same_unverified_answer_three_times_with_no_search_left_stops_the_run(web_index):
    """Reading on changed nothing three times and no search is left for a new lead: the run stops
    with open calls left and keeps that answer."""
    # one search in the budget: the plan is the question's own query, no model call (no PLAN3 reply)
    result, model = ask(SAME3[1:] + AFTER_WRONG, "search=1,open=5,find=5", index=str(web_index), reanswer_k=1)
    research = result.stages["research"]
    assert research.memo["said"] == ["3 7"] * 3 and len(model.calls) == len(SAME3) - 1
    assert "Write up to" not in model.calls[0]["messages"][-1]["content"]
    assert result.answer["answer"].startswith("3.7") and result.answer["verified"] is False
    assert "the same answer 3 times" in reason(result) and "searches left 0" in reason(result)
    assert result.spend["tool_calls"]["open"] == 3


def test_the_same_unverified_answer_three_times_pivots_to_the_next_planned_search(web_index, tmp_path):
    """With searches left, a lead that keeps giving the same unverified answer is left for a new line
    of search: the plan's next query, searched without a model call; answers are counted afresh."""
    model = ScriptedModel(SAME3 + [GOOD] * 3)
    result = asyncio.run(run(build({"k": 1, "index": str(web_index), "reanswer_k": 1, "reader": False}),
                             Task(id="q", kind="web", input={"question": Q}),
                             Runtime(model=model, budget=Budget.parse("search=5,open=5,find=5")), run_dir=tmp_path / "r"))
    steps = [json.loads(line) for line in (tmp_path / "r" / "trajectory.jsonl").read_text().splitlines()]
    turn = next(i for i, s in enumerate(steps) if s["decision"]["action"] == "pivot")
    assert "the same answer 3 times" in steps[turn]["decision"]["reason"]
    pivot = steps[turn + 1]
    # the script never says that query: the plan did (the pivot step made no model call)
    assert pivot["mode"] == "pivot" and pivot["candidates"][0]["content"]["input"] == "IANA time zone module"
    assert result.stages["research"].pivots == 1
    memo = result.stages["research"].memo
    assert memo["searched"][:2] == [QQ, "IANA time zone module"]
    assert result.answer["answer"] == "3.9" and result.answer["verified"] is True


def test_after_a_pivot_the_same_answers_are_counted_afresh(web_index, tmp_path):
    """The fourth "3.7", the first on the new line of search, is not a third repeat: no second
    same-answer pivot (the count is the engine's episode, which a pivot starts anew)."""
    model = ScriptedModel(SAME3 + [WRONG.replace('"3.7"', '"3.7."')] * 3 + [GOOD] * 3)
    asyncio.run(run(build({"k": 1, "index": str(web_index), "reanswer_k": 1, "reader": False}), Task(id="q", kind="web",
                input={"question": Q}), Runtime(model=model, budget=Budget.parse("search=5,open=5,find=5")),
                run_dir=tmp_path / "r"))
    steps = [json.loads(line) for line in (tmp_path / "r" / "trajectory.jsonl").read_text().splitlines()]
    answers = [s for s in steps if s["stage"] == "research" and (s.get("observation") or {}).get("kind") == "answer"]
    assert [a["observation"]["answer"] for a in answers[:4]] == ["3.7", "3.7.", "3.7.", "3.7."]
    assert "the same answer 3 times" in answers[2]["decision"]["reason"]  # the first pivot
    assert "the same answer" not in answers[3]["decision"]["reason"]


def test_a_pivot_step_takes_only_a_new_search_from_the_model(web_index):
    """No planned query left: the model chooses the new search; another tool is refused there."""
    memo = {"searched": [QQ], "results": [{"url": "http://x/a.html", "title": "a"}], "seen": ["http://x/a.html"],
            "evidence": [{"url": "http://x/a.html", "title": "a", "text": "t"}]}
    with pytest.raises(ValueError, match="new line of search"):
        parse_action('{"tool": "open", "input": "1"}', memo, {"search": 2, "open": 2}, Q, pivot=True)
    assert parse_action('{"tool": "search", "input": "tz database"}', memo, {"search": 2}, Q, pivot=True)["tool"] == "search"
    # no search left: the pivot cannot search, so the other tools stay usable
    assert parse_action('{"tool": "open", "input": "1"}', memo, {"search": 0, "open": 2}, Q, pivot=True)["tool"] == "open"


def test_a_re_answer_samples_and_the_verifier_keeps_the_answer_that_verifies(web_index):
    """The greedy 0.5B repeats an answer that failed; the samples beside it can hold the right one."""
    result, model = ask([PLAN3, '{"tool": "open", "input": "1"}', '{"tool": "answer", "input": "3.7"}', WRONG,
                         WRONG, WRONG.replace('"3.7"', '"3.8"'), GOOD],
                        "search=3,open=3,find=3", index=str(web_index))
    research = result.stages["research"]
    assert result.answer["answer"] == "3.9" and result.answer["verified"] is True
    assert research.memo["said"] == ["3 7", "3 9"] and len(model.calls) == 6
    first = ask([PLAN3, '{"tool": "open", "input": "1"}', '{"tool": "answer", "input": "3.7"}', GOOD],
                "search=3,open=3,find=3", index=str(web_index))[1]
    assert first.calls[-1]["params"]["n"] == 1  # the first answer is greedy alone, as without the tracker


@pytest.mark.parametrize("says, verified", [("yes", True), ("no", False)])
def test_a_judge_model_confirms_or_turns_down_the_answer(web_index, says, verified):
    """`judge_model` (`--judge-model`): the answer the rules verify goes to that model, not the agent's,
    with the page's passage; its no leaves the run without a verified answer."""
    agent, judge = ScriptedModel(['{"tool": "open", "input": "1"}', '{"tool": "answer", "input": "3.9"}', GOOD]), ScriptedModel([says])
    rt = Runtime(model=agent, budget=Budget.parse("search=1,open=1,find=1"))
    rt._models["local/judge"] = judge
    result = asyncio.run(run(build({"k": 1, "index": str(web_index), "judge_model": "local/judge", "reader": False}),
                             Task(id="q", kind="web", input={"question": Q}), rt))
    assert result.answer["answer"] == "3.9" and result.answer["verified"] is verified
    # a yes is then put to the judge's own reading (a find on an unread result is left to confirm with);
    # the script's judge says "3.9" no more, so the second reply is its "yes" or "no" again: disputed
    assert len(judge.calls) == (2 if verified else 1)
    assert "Documentation:" in judge.calls[0]["messages"][-1]["content"]
    assert all("Documentation:" not in c["messages"][-1]["content"] for c in agent.calls)
