"""The reader (agents.web.reader): once an answer is turned down, a reader model answers from the first
page's best passage, and that is the run's answer when none of its own verifies. Scripted agent and
reader models over the small test corpus; the budget-unaware arm, whose first answer ends the run."""
import asyncio
from types import SimpleNamespace

import pytest

from agents.graph import run
from agents.models.scripted import ScriptedModel
from agents.runtime import Runtime
from agents.state import Task
from agents.web.env import close_all
from agents.web.pipeline import build, reason
from agents.web.reader import _clean, read_first_page
from budgets import Budget

from test_pipeline_scripted import GOOD, PLAN3, Q, WRONG

OPEN = [PLAN3, '{"tool": "open", "input": "1"}']  # the planned search, an open: no call left, so it answers


@pytest.fixture(autouse=True)
def _close():
    yield
    close_all()


def _run(web_index, script, budget="search=1,open=1,find=1", judge=None, **options):
    agent = ScriptedModel(script)
    rt = Runtime(model=agent, budget=Budget.parse(budget))
    opts = {"k": 1, "index": str(web_index), "tracker": False} | options
    if judge is not None:
        rt._models["local/judge"] = judge
        opts["judge_model"] = "local/judge"
    result = asyncio.run(run(build(opts), Task(id="q", kind="web", input={"question": Q}), rt))
    return result, agent


def test_an_answer_that_does_not_verify_gives_way_to_the_readers(web_index):
    result, agent = _run(web_index, OPEN + [WRONG, "`3.9`."])
    assert result.answer["answer"] == "3.9" and result.answer["verified"] is False and result.answer["read"]
    assert result.answer["sources"][0].endswith("/doc/zoneinfo.html")
    assert result.answer["unverified_answer"] == "3.7"
    read = agent.calls[-1]["messages"][-1]["content"]  # the passage of the opened page, and the question
    assert read.startswith("Documentation:") and "zoneinfo" in read and Q in read
    assert agent.calls[-1]["params"]["temperature"] == 0.0 and agent.calls[-1]["params"]["max_tokens"] == 16
    assert "the answer is the reader's" in reason(result) and "'3.7'" in reason(result)


def test_the_judge_model_reads_when_the_run_has_one(web_index):
    judge = ScriptedModel(["3.9"])
    result, agent = _run(web_index, OPEN + [WRONG], judge=judge)
    assert result.answer["answer"] == "3.9" and result.answer["read"]
    assert len(agent.calls) == 3 and len(judge.calls) == 1  # the agent is not asked to read


def test_a_verified_answer_stands_and_no_reader_is_asked(web_index):
    result, agent = _run(web_index, OPEN + [GOOD, "3.6"])
    assert result.answer["answer"] == "3.9" and result.answer["verified"] is True and "read" not in result.answer
    assert len(agent.calls) == 3
    assert "reader" not in reason(result)


@pytest.mark.parametrize("said", ["the", "", "Python version"])
def test_a_reading_that_names_nothing_leaves_the_runs_own_answer(web_index, said):
    result, agent = _run(web_index, OPEN + [WRONG, said])
    assert result.answer["answer"] == "3.7" and result.answer["verified"] is False and "read" not in result.answer
    assert len(agent.calls) == 4  # it was asked


def test_no_reader_leaves_the_runs_own_answer(web_index):
    result, agent = _run(web_index, OPEN + [WRONG, "3.9"], reader=False)
    assert result.answer["answer"] == "3.7" and "read" not in result.answer
    assert len(agent.calls) == 3


def test_a_reader_the_budget_cannot_pay_for_is_skipped(web_index):
    # three model calls: the plan, the open and the answer; the reader's call is refused, the run ends as before
    result, agent = _run(web_index, OPEN + [WRONG, "3.9"], budget="search=1,open=1,find=1,calls=3")
    assert result.answer["answer"] == "3.7" and "read" not in result.answer
    assert len(agent.calls) == 3 and result.status == "completed"


def test_the_tracker_keeps_reading_and_asks_the_reader_once(web_index):
    # tracker on: the turned-down answer leads to more reading and answers (the agent's script is spent: nothing
    # it says after verifies); the reader is asked once, at the first turned-down answer
    judge = ScriptedModel([], default="3.9")
    result, _ = _run(web_index, OPEN + ['{"tool": "answer", "input": "3.7"}', WRONG], judge=judge,
                     tracker=True)
    reads = [c for c in judge.calls if "Answer the question from the documentation" in c["messages"][-1]["content"]]
    assert len(reads) == 1
    assert result.answer["answer"] == "3.9" and result.answer["read"] and result.answer["verified"] is False


def test_an_answer_turned_down_before_any_page_was_read_leaves_the_reading_for_later():
    # e.g. the run's first answer came from search results alone: nothing to read yet, so nothing asked and
    # nothing kept; the next turned-down answer, after a page was read, gets the reading (asked once)
    asked = []

    async def generate(messages, params, model=None, purpose=""):
        asked.append((messages[-1]["content"], purpose))
        return ["`3.9`."]

    page = SimpleNamespace(text="zoneinfo: IANA time zone support.\n\nNew in version 3.9. The zoneinfo module.")
    tools = SimpleNamespace(page=lambda url: page)
    ctx = SimpleNamespace(memo={}, task=SimpleNamespace(input={"question": Q}), errors=[], generate=generate,
                          stage=SimpleNamespace(env=SimpleNamespace(tools=lambda: tools)))
    assert asyncio.run(read_first_page(ctx, None)) is None
    assert "reading" not in ctx.memo and asked == []
    ctx.memo["evidence"] = [{"url": "http://127.0.0.1:1/doc/zoneinfo.html", "text": "New in version 3.9."}]
    reading = asyncio.run(read_first_page(ctx, None))
    assert reading["answer"] == "3.9" and reading["source"] == "http://127.0.0.1:1/doc/zoneinfo.html"
    assert "New in version 3.9" in reading["quote"]
    assert asyncio.run(read_first_page(ctx, None)) == reading
    assert len(asked) == 1 and asked[0][1] == "read" and "New in version 3.9" in asked[0][0]


@pytest.mark.parametrize("text, clean", [("`contextlib.suppress`.", "contextlib.suppress"), ("\n 3.9\nbecause", "3.9"),
                                         ('"PEP 615"', "PEP 615"), ("", "")])
def test_the_reply_is_cleaned_to_its_first_line(text, clean):
    assert _clean(text) == clean


def test_the_bench_summary_and_the_printed_answer_say_which_answers_are_the_readers():
    from agents.web.bench import summarize
    from agents.web.register import lines
    from budgets import Budget

    spend = {"cost_usd": 0.01, "token_usd": 0.0, "tool_usd": 0.01, "input_tokens": 10, "output_tokens": 2,
             "model_calls": 1, "tool_calls": {"search": 1}}
    rows = [{"id": i, "correct": right, "answer": "x", "verified": False, "read": read, "answers": None,
             "status": "completed", "error": None, "wall_s": 1.0, "spend": spend}
            for i, right, read in (("a", True, True), ("b", False, True), ("c", True, False))]
    assert summarize(rows, Budget.parse("search=1"), True)["read"] == {"runs": 2, "right": 1}
    assert "(the reader's, not verified)" in lines({"answer": "3.9", "read": True, "sources": [], "reason": ""})[0]


@pytest.mark.slow
def test_the_embedded_local_model_reads_the_answer_a_scripted_agent_missed(web_index, monkeypatch):
    """End to end on a real model: the reader is the embedded 0.5B (as `--judge-model`), the agent scripted to
    answer wrong; the reading of zoneinfo's page is the run's answer."""
    monkeypatch.setenv("SCALEAGENT_LLAMA_THREADS", "1")
    agent = ScriptedModel(OPEN + [WRONG])
    rt = Runtime(model=agent, budget=Budget.parse("search=1,open=1,find=1"))
    opts = {"k": 1, "index": str(web_index), "tracker": False, "judge_model": "local/qwen2.5-coder-0.5b"}
    result = asyncio.run(run(build(opts), Task(id="q", kind="web", input={"question": Q}), rt))
    assert result.answer["read"] and result.answer["verified"] is False
    assert "3.9" in result.answer["answer"] and result.answer["unverified_answer"] == "3.7"
    assert result.spend["model_calls"] == 4 and len(agent.calls) == 3
