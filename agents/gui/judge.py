"""GTA1-style action selection over the proposals that fit the page (see `agents.gui.details`).

`GuiVote`: a majority vote over identical actions among the proposals that fit (all proposals when
none does); a tie goes to `ActionJudge`, which sees the page, the actions so far and each tied action
with its element and votes, labelled A, B, C... (letters, so a choice is never confused with an
element number), writes its reason first and then its choice. With `judge_always` (`select="judge"`)
the judge chooses among every distinct fitting action each step.

The judge's choice, reason and "lost" verdict go into the chosen candidate's `ActionDetails`; the
controller reads "lost" from there."""
from __future__ import annotations

import json
from collections import Counter
from typing import ClassVar

from agents.gui.details import of
from agents.gui.prompts import LETTERS, judge_messages, judge_schema
from agents.models.base import GenerationParams
from agents.state import Candidate, Selection, Verdict
from agents.strategies.base import StrategyBase, rank_by
from tools.browser.actions import render as render_action


class ActionJudge(StrategyBase):
    name: ClassVar[str] = "action_judge"
    model: str | None = None
    max_tokens: int = 120

    async def select(self, ctx, candidates: list[Candidate], verdicts: list[Verdict]) -> Selection:
        valid = [c for c in candidates if c.valid]
        counts = Counter(c.key for c in valid)
        first: dict[str, Candidate] = {}
        for c in valid:
            first.setdefault(c.key, c)
        if len(first) <= 1 or ctx is None:
            scores = {c.id: counts[c.key] / max(1, len(valid)) for c in valid}
            return rank_by(candidates, scores, strategy=self.name, reason="one distinct action; no judging needed")
        options = [(c.content, counts[k]) for k, c in list(first.items())[:len(LETTERS)]]
        stage = ctx.stage
        obs = stage.current_page(ctx) if hasattr(stage, "current_page") else (ctx.observation or {})
        texts = await ctx.generate(judge_messages(obs, ctx.episode(), options),
                                   GenerationParams(n=1, max_tokens=self.max_tokens, temperature=0.0,
                                                    json_schema=judge_schema(len(options))),
                                   model=self.model, purpose="judge")
        pick, why, lost = parse(texts[0] if texts else "", len(options))
        if pick is None:
            scores = {c.id: counts[c.key] / len(valid) for c in valid}
            return rank_by(candidates, scores, strategy=self.name,
                           reason="judge gave no usable answer; took the most proposed action")
        chosen = list(first.values())[pick]
        for v in verdicts:
            d = of(v)
            if d is not None and d.action == render_action(chosen.content):
                d.judged, d.judge_reason, d.lost = True, why, lost
        scores = {c.id: (1.0 if c.key == chosen.key else 0.0) + counts[c.key] / (10 * len(valid)) for c in valid}
        reason = f"judge picked {render_action(chosen.content)} of {len(options)} distinct actions: {why}"
        return rank_by(candidates, scores, strategy=self.name, reason=reason + (" (judge: episode lost)" if lost else ""))


class GuiVote(StrategyBase):
    """Vote among the proposals that fit the page; the judge on ties (or always, `judge_always`)."""

    name: ClassVar[str] = "gui_vote"
    judge_always: bool = False
    judge: ActionJudge = ActionJudge()

    async def select(self, ctx, candidates: list[Candidate], verdicts: list[Verdict]) -> Selection:
        valid = [c for c in candidates if c.valid]
        fit = {v.candidate_id for v in verdicts if v.passed}
        pool = [c for c in valid if c.id in fit] or valid
        note = _unfit_note(valid, pool, verdicts)
        if not pool:
            return rank_by(candidates, {}, strategy=self.name, reason="no valid proposal")
        counts = Counter(c.key for c in pool)
        top = max(counts.values())
        tied = pool if self.judge_always else [c for c in pool if counts[c.key] == top]
        if len(set(c.key for c in tied)) >= 2 and ctx is not None:
            sel = await self.judge.select(ctx, tied, verdicts)
            if sel.winner is not None and not sel.reason.startswith("judge gave no"):
                scores = {c.id: sel.scores.get(c.id, 0.0) + counts[c.key] / (10 * len(pool)) for c in pool}
                return rank_by(candidates, scores, strategy=f"{self.name}+{self.judge.name}",
                               reason=f"{top} of {len(pool)} votes, tied; {sel.reason}{note}")
            why = f"; {sel.reason}"
        else:
            why = ""
        scores = {c.id: counts[c.key] / len(pool) for c in pool}
        return rank_by(candidates, scores, strategy=self.name, reason=f"{top} of {len(pool)} votes{why}{note}")


def _unfit_note(valid: list[Candidate], pool: list[Candidate], verdicts: list[Verdict]) -> str:
    if len(pool) == len(valid):
        return "" if all(v.passed is not False for v in verdicts) else "; no proposal fits the page"
    out = {v.feedback for v in verdicts if v.passed is False and v.feedback}
    return f"; {len(valid) - len(pool)} proposal(s) did not fit the page ({'; '.join(sorted(out))[:200]})"


def parse(text: str, n: int) -> tuple[int | None, str, bool]:
    """(chosen option index, reason, lost) from the judge's JSON; None when unusable."""
    try:
        data = json.loads(text)
        best = str(data.get("best", "")).strip().upper()
    except (ValueError, AttributeError):
        return None, "", False
    if best not in LETTERS[:n] or not best:
        return None, "", False
    return LETTERS.index(best), " ".join(str(data.get("reason", "")).split())[:200], data.get("lost") is True
