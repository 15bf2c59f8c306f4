"""GTA1-style action selection: a judge model sees the page and the distinct candidate actions (with
how many samples proposed each) and picks one, with its reason. `ActionJudge` is the `judge` of a
`TieBreak(MajorityVote(), ActionJudge())` (vote over identical actions, the judge on ties) or the
whole strategy (`select="judge"`: the judge picks among all distinct actions every step).

The judge may also say the episode is lost (`"lost": true`): the stage's memo records the step so the
controller can pivot (reset the episode and try a different plan)."""
from __future__ import annotations

import json
from collections import Counter
from typing import ClassVar

from agents.gui.prompts import JUDGE_SCHEMA, judge_messages
from agents.models.base import GenerationParams
from agents.state import Candidate, Selection, Verdict
from agents.strategies.base import StrategyBase, rank_by
from tools.browser.actions import render as render_action


class ActionJudge(StrategyBase):
    name: ClassVar[str] = "action_judge"
    model: str | None = None
    max_tokens: int = 96

    async def select(self, ctx, candidates: list[Candidate], verdicts: list[Verdict]) -> Selection:
        valid = [c for c in candidates if c.valid]
        counts = Counter(c.key for c in valid)
        first: dict[str, Candidate] = {}
        for c in valid:
            first.setdefault(c.key, c)
        if len(first) <= 1 or ctx is None:
            scores = {c.id: counts[c.key] / max(1, len(valid)) for c in valid}
            return rank_by(candidates, scores, strategy=self.name, reason="one distinct action; no judging needed")
        options = [(c.content, counts[k]) for k, c in first.items()]
        stage = ctx.stage
        obs = stage.current_page(ctx) if hasattr(stage, "current_page") else (ctx.observation or {})
        texts = await ctx.generate(judge_messages(obs, ctx.episode(), options),
                                   GenerationParams(n=1, max_tokens=self.max_tokens, temperature=0.0,
                                                    json_schema=JUDGE_SCHEMA), model=self.model, purpose="judge")
        pick, why, lost = _parse(texts[0] if texts else "", len(options))
        if pick is None:
            scores = {c.id: counts[c.key] / len(valid) for c in valid}
            return rank_by(candidates, scores, strategy=self.name,
                           reason="judge gave no usable answer; took the most proposed action")
        chosen = list(first.values())[pick]
        if lost:
            ctx.memo["judge_lost_step"] = ctx.step
        scores = {c.id: (1.0 if c.key == chosen.key else 0.0) + counts[c.key] / (10 * len(valid)) for c in valid}
        reason = f"judge picked {render_action(chosen.content)} of {len(options)} distinct actions: {why}"
        return rank_by(candidates, scores, strategy=self.name, reason=reason + (" (judge: episode lost)" if lost else ""))


def _parse(text: str, n: int) -> tuple[int | None, str, bool]:
    try:
        data = json.loads(text)
        best = data.get("best")
    except (ValueError, AttributeError):
        return None, "", False
    if isinstance(best, bool) or not isinstance(best, int) or not 0 <= best < n:
        return None, "", False
    return best, " ".join(str(data.get("reason", "")).split())[:200], data.get("lost") is True
