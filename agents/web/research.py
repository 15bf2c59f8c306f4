"""The research stage (interactive): each step either acts (K candidate tool calls, one chosen by
vote, applied with the budgeted tools) or answers (K answers citing and quoting the evidence,
verified against the opened pages and by a judge); `BatsController` decides after each step.

A step answers when the model chose to answer while acting, when no search and no open call is left,
when the tokens left are only enough for an answer, or at the last step; otherwise it acts. After an
answer that did not verify, the first new evidence (a dig deeper's open or find) is answered at once
(`reanswer`): in dev runs the act step between them chose "answer" nearly every time, a model call
of about 1,000 tokens for nothing. Such a re-answer samples `reanswer_k` answers (the greedy one and
the rest at `pivot_temperature`; at 0.7 the 0.5B's samples were its greedy answer again on dev) and
its prompt lists the answers that did not verify (the failed answer's draft is dropped: it anchored
the next answer on itself): the greedy 0.5B tends to repeat an answer that failed, and the verifier
keeps one that verifies (the best-of-N of the answer step, spent only where the first answer failed). The first
act step runs the plan's first query (the question's own words) without sampling: the plan chose it; so
does a pivot (the plan's next query) and a dig deeper after an unverified answer (read on: more of the
cited page, else the next unopened result).
"""
from __future__ import annotations

import asyncio
import json
from typing import Any

from agents.models.base import GenerationParams
from agents.stage import Stage
from agents.state import Candidate, SampleRequest
from agents.web.actions import (ACT_SCHEMA, ANSWER_SCHEMA, answered_this_evidence, fallback_action, fallback_answer,
                                norm_query, parse_action, parse_answer, planned_query, unread)
from agents.web.control import DEFAULT_STEPS, BatsController, tokens_left, tools_left
from agents.web.plan import question_query
from agents.web.prompts import DEFAULT_CORPUS, act_prompt, answer_prompt, budget_advice, budget_block
from agents.web.quotes import normalize
from agents.web.reader import read_first_page
from agents.web.verify import ActOrAnswer, EvidenceVerifier, cited_source


class ResearchStage(Stage):
    name = "research"
    k = 2
    max_tokens = 48
    answer_tokens = 120
    temperature = 0.7
    tracker: bool = True
    reanswer: bool = True  # after an unverified answer, answer as soon as new evidence is in
    reanswer_k: int = 3  # answers per step after one that did not verify: the greedy one and the rest sampled
    reader: bool = True  # a turned-down answer has the reader answer from the first page's best passage
    corpus: str = DEFAULT_CORPUS  # what is searched, as the prompts name it
    settings = ("tracker", "answer_tokens", "corpus", "reanswer", "reanswer_k", "reader")

    def __init__(self, env: Any, **kw: Any):
        kw.setdefault("controller", BatsController())
        kw.setdefault("verifier", EvidenceVerifier())
        kw.setdefault("strategy", ActOrAnswer())
        super().__init__(**kw)
        self.env = env

    # ---- what to sample ------------------------------------------------------------------------
    def _block(self, ctx) -> str | None:
        return budget_block(ctx.stage_tracker) if self.tracker else None

    def _start(self, ctx) -> dict[str, Any]:
        memo = ctx.memo
        if "checklist" not in memo:
            memo["checklist"] = list(ctx.output("plan") or []) or [question_query(ctx.task.input["question"])]
        return memo

    def _rule_left(self, ctx) -> dict[str, int | None]:
        """The calls left as this stage's rules spend them: the budget-unaware arm's rules never turn to
        find when the opens run out (the model itself may still call it)."""
        left = tools_left(ctx)
        if not self.tracker:
            left["find"] = 0
        return left

    def step_kind(self, ctx) -> str:
        memo, left = self._start(ctx), self._rule_left(ctx)
        toks = tokens_left(ctx)
        reserve = getattr(self.controller, "answer_reserve", 1500)
        steps = getattr(self.controller, "steps", None)
        max_steps = steps(ctx) if steps else DEFAULT_STEPS
        # nothing new to read: no search, no open, and no find on an unread result
        no_lead = (left.get("search") == 0 and left.get("open") == 0
                   and not (left.get("find") != 0 and unread(memo)))
        if (memo.get("ready") or no_lead or (toks is not None and toks < reserve)
                or ctx.step + 1 >= max_steps):
            return "answer"
        return "act"

    def requests(self, ctx) -> list[SampleRequest]:
        kind = self.step_kind(ctx)
        tokens = self.answer_tokens if kind == "answer" else self.max_tokens
        temp = 0.0 if self.k == 1 else (self.pivot_temperature if ctx.mode == "pivot" else self.temperature)
        params = GenerationParams(n=self.k, max_tokens=tokens, temperature=temp,
                                  json_schema=ANSWER_SCHEMA if kind == "answer" else ACT_SCHEMA)
        if kind == "answer" and ctx.memo.get("answers") and self.reanswer_k > self.k:
            # the greedy answer failed once: the greedy one again (from the new evidence) and samples,
            # so the verifier can pick another answer when the greedy one repeats itself
            greedy = params.model_copy(update={"n": 1, "temperature": 0.0})
            sampled = params.model_copy(update={"n": self.reanswer_k - 1, "temperature": self.pivot_temperature})
            return [SampleRequest(params=p, plan={"kind": kind}, model=self.model, purpose=kind)
                    for p in (greedy, sampled)]
        return [SampleRequest(params=params, plan={"kind": kind}, model=self.model, purpose=kind)]

    async def propose(self, ctx) -> list[Candidate]:
        """No model call where the next action is already chosen: the plan's first query is searched
        first, a pivot searches the plan's next query while one is left, and digging deeper after an
        answer that did not verify reads on (more of the cited page, else the next unopened result):
        asked there, the model chose to answer the same evidence again in all 80 such steps of the
        dev runs (refused: new evidence first)."""
        memo = self._start(ctx)
        if self.step_kind(ctx) != "act":
            return await super().propose(ctx)
        left, action = tools_left(ctx), None
        first = memo["checklist"][0] if not memo.get("searched") and memo["checklist"] else ""
        query = first or (planned_query(memo, ctx.task.input["question"]) if ctx.mode == "pivot" else "")
        if query and left.get("search") != 0:
            action = {"tool": "search", "input": query, "url": ""}
        elif ctx.mode != "pivot" and memo.get("answers") and answered_this_evidence(memo):
            action = fallback_action(memo, left, ctx.task.input["question"])
            action = action if action["tool"] in ("open", "find") else None
        if action is None:
            return await super().propose(ctx)
        return [Candidate(content=action, key=json.dumps(action, sort_keys=True), text="(plan)", meta={"planned": True})]

    def prompt_for(self, ctx, request: SampleRequest):
        memo, q = ctx.memo, ctx.task.input["question"]
        if request.plan["kind"] == "answer":
            return answer_prompt(q, memo.get("evidence") or [], memo.get("draft") or "", memo.get("feedback") or "",
                                 self._block(ctx), memo.get("rejected") or [])
        last = ctx.observation or {}
        last_text = last.get("error") or last.get("note") or ""
        block = self._block(ctx)
        if block:
            block += "\n" + budget_advice(tools_left(ctx), len(memo.get("evidence") or []), len(unread(memo)))
        return act_prompt(q, memo.get("checklist") or [], memo.get("searched") or [], memo.get("results") or [],
                          memo.get("evidence") or [], last_text, block, ctx.mode == "pivot", self.corpus)

    def parse(self, ctx, request: SampleRequest, text: str) -> dict[str, Any]:
        if request.plan["kind"] == "answer":
            return parse_answer(text, ctx.memo, ctx.task.input["question"])
        return parse_action(text, ctx.memo, tools_left(ctx), ctx.task.input["question"], ctx.mode == "pivot")

    def key(self, ctx, content: dict[str, Any]) -> str:
        if content.get("tool") == "answer" and "quote" in content:
            return "answer:" + norm_query(content["answer"])
        return json.dumps(content, sort_keys=True)

    async def expand(self, ctx, candidates: list[Candidate], verdicts) -> list[Candidate]:
        """No valid sample: the rule-based next action (open the best unopened result, search the
        next planned query, else answer), or in an answer step the draft answer (it will not verify)."""
        if any(c.valid for c in candidates):
            return []
        if self.step_kind(ctx) == "answer":
            action = fallback_answer(ctx.memo)
        else:
            action = fallback_action(ctx.memo, self._rule_left(ctx), ctx.task.input["question"])
        return [Candidate(content=action, key=json.dumps(action, sort_keys=True), text="(fallback)",
                          meta={"fallback": True})]

    # ---- acting on the environment --------------------------------------------------------------
    async def apply(self, ctx, winner: Candidate) -> dict[str, Any]:
        a, memo = winner.content, ctx.memo
        if a["tool"] == "answer" and "quote" in a:
            memo["answers"] = memo.get("answers", 0) + 1
            memo.setdefault("said", []).append(normalize(a["answer"]))
            memo["ready"] = False
            source = cited_source(winner)  # the verifier's, when the quote is from another item
            memo["cited"] = source or ""  # the lead a dig deeper reads further into
            fb = str(winner.meta.get("feedback", ""))
            memo["feedback"] = "" if winner.meta.get("verified") else fb
            if not winner.meta.get("verified"):
                memo.pop("draft", None)  # answered and not verified: shown again, it anchors the next answer
                if a["answer"] not in memo.setdefault("rejected", []):
                    memo["rejected"].append(a["answer"])
                if self.reader:  # the answer if none verifies (agents.web.reader), asked once per run
                    await read_first_page(ctx, getattr(self.verifier, "judge_model", None) or self.model)
            if winner.meta.get("disputed"):
                # verified, not confirmed: the bar rises as after a turned-down answer, and the next answer
                # reads the new evidence without the draft that led to this one (no anchor)
                memo.setdefault("disputed", []).append(a["answer"])
                memo.pop("draft", None)
            memo["answered_on"] = len(memo.get("evidence") or [])
            return {"kind": "answer", "answer": a["answer"], "source": source,
                    "verified": bool(winner.meta.get("verified")), "feedback": fb,
                    "disputed": winner.meta.get("disputed")}
        if a["tool"] == "answer":
            memo["ready"] = True
            if a["input"]:
                memo["draft"] = a["input"]
            return {"kind": "act", "tool": "answer", "draft": a["input"]}
        q = ctx.task.input["question"]
        shown = list((memo.get("views") or {}).get(a["url"], [])) if a["tool"] == "open" else []
        obs = await asyncio.to_thread(lambda: self.env.tools().call(
            ctx.tracker, a["tool"], query=a["input"], url=a["url"], text=a["input"], focus=q, shown=shown))
        obs["kind"] = "act"
        had = len(memo.get("evidence") or [])
        self._remember(memo, a, obs)
        if self.reanswer and memo.get("answers") and len(memo.get("evidence") or []) > had:
            memo["ready"] = True
        return obs

    def _remember(self, memo: dict[str, Any], a: dict[str, str], obs: dict[str, Any]) -> None:
        if a["tool"] == "search":
            memo.setdefault("searched", []).append(a["input"])
            if obs.get("results"):
                memo["results"] = obs["results"]
                memo["cited"] = ""  # the new results are the lead now: no reading on in an earlier page
                seen = memo.setdefault("seen", [])
                seen += [r["url"] for r in obs["results"] if r["url"] not in seen]
            return
        if a["tool"] in ("open", "find"):  # read (or dead): not an unread result any more
            if a["url"] not in (memo.get("opened") or []):
                memo.setdefault("opened", []).append(a["url"])
        if a["tool"] == "open":
            if obs.get("more") is False or (obs.get("error") and a["url"] in (memo.get("views") or {})):
                memo.setdefault("exhausted", []).append(a["url"])  # nothing more on it matches
            memo.setdefault("views", {}).setdefault(a["url"], []).extend(obs.get("shown") or [])
        if obs.get("error"):
            return
        text = " … ".join(obs.get("excerpts") or obs.get("matches") or [])
        if text:
            memo.setdefault("evidence", []).append({"url": a["url"], "title": obs.get("title", ""), "text": text})
