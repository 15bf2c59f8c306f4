"""The plan stage: a checklist of search queries, sized to the search budget the model sees (with
one search in it, the question's own query alone, without a model call).

The first query is always the question's own words (stop words dropped): over a BM25 index that
query finds the page holding the answer for most questions (28 of the 30 test questions in the top
5, measured with `examples/web/retrieval.py`), while a small model's own queries are often
fragments of it ("python version", "added") or guessed answers ("Python 3.8"). The model's queries
follow, kept only when they add a word the question does not have (a name it knows, a synonym; a
bare number does not count): those are what a pivot needs."""
from __future__ import annotations

import re
from typing import Any

from agents.controllers import AcceptController
from agents.stage import Stage
from agents.state import Candidate
from agents.web.actions import STOP_WORDS, _json, norm_query
from agents.web.control import tools_left
from agents.web.prompts import DEFAULT_CORPUS, budget_block, copies_budget_block, plan_prompt
from tools.web.index import SYMBOL

PLAN_SCHEMA = {"type": "object", "properties": {"queries": {"type": "array", "items": {"type": "string"}}},
               "required": ["queries"]}
_WORD = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*[A-Za-z0-9_]|[A-Za-z0-9_]")
_TOKEN = re.compile(SYMBOL.pattern + "|" + _WORD.pattern)


def words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def question_query(question: str) -> str:
    """The question's words without stop words, in order ("In which Python version was the zoneinfo
    module added?" → "Python version zoneinfo module added"), its operators and short options kept
    (":=", "-O": the index searches them); the question itself when nothing is left."""
    kept = [m.group(0) for m in _TOKEN.finditer(question) if m.group(0).lower() not in STOP_WORDS]
    return " ".join(kept) or " ".join(question.split())


def checklist(question: str, proposed: list[str], size: int, instructions: str = "") -> list[str]:
    """The question's query, then the proposed queries that add a word the question lacks (not a stop
    word, not a bare number: a small model's added numbers are guessed answers; not a word of the
    prompt's own `instructions`: dev round 23 planned "budget" and "plan" from "Plan only as many
    searches as the budget allows"; not a truncation of a question word: "add" for "added") and copy
    nothing of the budget block, deduplicated, at most `size` in all."""
    asked = set(words(question)) | STOP_WORDS
    told = set(words(instructions)) - asked
    out = [question_query(question)]
    seen = {norm_query(out[0])}
    for q in proposed:
        q = " ".join(str(q).split())[:200]
        new = [w for w in set(words(q)) - asked - told if re.search("[a-z]", w)  # "Python 3.8": a guessed answer
               and not any(a.startswith(w) for a in asked if len(w) >= 3)]
        if new and norm_query(q) not in seen and not copies_budget_block(q):
            out.append(q)
            seen.add(norm_query(q))
    return out[:max(1, size)]


class PlanStage(Stage):
    name = "plan"
    tools = ()  # the model writes queries; the research stage searches
    k = 1
    max_tokens = 56
    temperature = 0.0
    tracker: bool = True
    corpus: str = DEFAULT_CORPUS  # what is searched, as the prompts name it
    settings = ("tracker", "corpus")

    def __init__(self, **kw: Any):
        kw.setdefault("controller", AcceptController())
        super().__init__(**kw)

    def size(self, ctx) -> int:
        searches = tools_left(ctx).get("search")
        return max(1, min(4, searches if searches is not None else 4)) if self.tracker else 3

    def prompt(self, ctx):
        block = budget_block(ctx.stage_tracker) if self.tracker else None
        return plan_prompt(ctx.task.input["question"], block, self.size(ctx), self.corpus)

    async def propose(self, ctx) -> list[Candidate]:
        """One search in the budget: the checklist is the question's own query, no model call (the
        model's queries would all be cut)."""
        if self.size(ctx) == 1:
            return [Candidate(content=checklist(ctx.task.input["question"], [], 1), text="(question query)",
                              meta={"planned": True})]
        return await super().propose(ctx)

    def params(self, ctx, n: int | None = None, **update: Any):
        return super().params(ctx, n, json_schema=PLAN_SCHEMA, **update)

    def parse(self, ctx, request, text: str) -> list[str]:
        try:
            proposed = [str(q) for q in _json(text).get("queries") or [] if str(q).strip()]
        except ValueError:
            proposed = []
        told = request.messages[-1]["content"]  # the words the prompt the model answered put there
        return checklist(ctx.task.input["question"], proposed, self.size(ctx), told)
