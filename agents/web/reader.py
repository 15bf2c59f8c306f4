"""The reader: a second way to the answer for a run whose own answers do not verify.

Once a run's answer is turned down, a reader model (the judge model when the run has one, else the
run's model) answers the question from the passage of the first page the run read that best matches
the question (`support.question_passages`: the entry the question names, when the page has it; that page
is the top result of the plan's first search, the question's own words). One short greedy call per run,
asked the judge's extract question. When the run ends without a verified answer, this reading is its
answer (`WebPipeline.answer`), not verified; a verified answer always stands.

Why (dev only, the round-16 cell `runs/dev16`, search=3, 35 questions, replayed offline): 21 runs ended
on an unverified answer of their own, 1 of them right. Read this way, the 1.5B judge model answered
9 of those 21 right and the 0.5B agent model itself 7: one passage and one question are easier for a
small model than the answer prompt (every excerpt read, a JSON answer with a quote). The 14 runs that
ended verified were right 12 times, the 1.5B's reading 11 times (not on the same questions), so it does
not replace a verified answer.
"""
from __future__ import annotations

import asyncio
from typing import Any

from agents.web.prompts import judge_extract_prompt
from agents.web.support import empty_answer, question_passages
from agents.web.verify import READING_TOKENS, ask_short
from tools.web.client import ToolError

PASSAGE_CHARS = 1500  # the passage as the reader sees it (a passage is a paragraph or a few; the rare long one is cut)


async def read_first_page(ctx: Any, model: str | None) -> dict[str, str] | None:
    """The reader's answer {"answer", "source", "quote"} (asked once per run, once a page was read; kept in
    the memo), or None when there is nothing to read, the budget cannot pay for the call, or the reply names
    nothing. The page is the tools' copy of it (`WebTools.page`: fetched when the run opened it)."""
    memo = ctx.memo
    if "reading" in memo:
        return memo["reading"] or None
    url = next((e["url"] for e in memo.get("evidence") or [] if e.get("url")), "")
    if not url:  # nothing read yet: a later turned-down answer (after a page was read) asks again
        return None
    memo["reading"] = {}
    question = ctx.task.input["question"]
    try:
        page = await asyncio.to_thread(ctx.stage.env.tools().page, url)
    except ToolError as e:
        ctx.errors.append(f"reader: {e}")
        return None
    best = question_passages(page.text, question, top=1)
    if not best:
        return None
    passage = best[0][1][:PASSAGE_CHARS]
    reply = await ask_short(ctx, judge_extract_prompt(question, passage), model, READING_TOKENS, purpose="read")
    said = _clean(reply or "")
    if not said or empty_answer(said, question):
        return None
    memo["reading"] = {"answer": said, "source": url, "quote": passage[:200]}
    return memo["reading"]


def _clean(text: str) -> str:
    """The reply's first line, without code quotes and a closing period ("`contextlib.suppress`." →
    contextlib.suppress)."""
    line = next((s for s in str(text).strip().splitlines() if s.strip()), "").strip()
    return line.strip("`\"' ").rstrip(".").strip("`\"' ")[:200]
