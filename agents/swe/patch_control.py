"""The patch stage's controller: the budget-aware rules, plus the cases where another round of
refining against the reproduction tests, or re-localizing, cannot pay."""
from __future__ import annotations

from typing import Any

from agents.context import StepContext
from agents.controllers import RuleController
from agents.state import Candidate, Decision, Selection, Verdict
from agents.swe.details import PatchDetails


class PatchController(RuleController):
    """- no valid patch at all yet (every reply malformed: no code block, code that does not parse,
      an edit that changes nothing): sample the same targets again once (`max_resamples`) instead of
      re-localizing: the model's formatting failed, not the localization (before, this pivoted and
      the localization moved away from the right file);
    - the first candidates agree and verify (difficulty: easy): two or more independent samples (not
      refinements of one parent) make the best edit, it breaks no existing test and fixes or changes what the reproduction tests see: accept
      instead of refining against model-written tests (`agree_accept`);
    - no reproduction tests: a patch with no regressions is accepted (select and its judge take over);
    - every reproduction test distrusted (no candidate passes it): stop with the best if it changed
      what the tests see, else pivot (re-localize: the edits may be in the wrong place) while the
      rules allow one."""

    max_resamples: int = 1
    agree_accept: bool = True

    def __init__(self, **kw: Any):
        super().__init__(**({"accept_score": 1.0, "promising": 0.2, "max_digs": 2, "max_pivots": 1,
                             "max_steps": 5} | kw))

    async def decide(self, ctx: StepContext, selection: Selection, best: Verdict | None) -> Decision:
        d = best.details if best is not None and isinstance(best.details, PatchDetails) else None
        if best is None:
            return await self._nothing_valid(ctx, selection)
        if d is None:
            return await super().decide(ctx, selection, best)
        if d.reproductions == 0 and not d.regressions and best.score > 0:
            return Decision(action="accept", reason="no reproduction test to refine against; no regressions")
        easy = (ctx.memo.get("difficulty") or {}) if self.agree_accept else {}
        fresh = easy.get("step") == ctx.step and ctx.mode != "refine"  # refinements of one parent agree anyway
        votes = (easy.get("votes") or {}).get(best.candidate_id, 0) if fresh else 0
        if (votes >= 2 and not d.regressions and best.score >= self.promising and (d.fixed or d.moved)
                and best.score < self.accept_score):
            return Decision(action="accept", reason=f"the first candidates agree ({votes} of "
                                                    f"{easy['samples']} make this edit) and it verifies as far as "
                                                    f"the tests tell (score {best.score:.2f}, no regressions): "
                                                    "easy, more rounds would not change it")
        if d.distrusted and len(d.distrusted) == d.reproductions:
            why = f"no candidate passes the reproduction tests ({len(d.distrusted)}); they may be wrong"
            if d.moved and not d.regressions:
                return Decision(action="stop", reason=f"{why}; the best changes what they see and breaks "
                                                      f"nothing (score {best.score:.2f}): stop refining against them")
            if ctx.result.pivots < self.max_pivots and ctx.can_afford_another_step(margin=self.min_fraction_left):
                return Decision(action="pivot", reason=f"{why}, and no patch changes what they see: "
                                                       "re-localize and try elsewhere")
            return Decision(action="stop", reason=f"{why}; no pivots or budget left (best {best.score:.2f})")
        return await super().decide(ctx, selection, best)

    async def _nothing_valid(self, ctx: StepContext, selection: Selection) -> Decision:
        done = int(ctx.memo.get("resamples", 0))
        if (done < self.max_resamples and ctx.step + 1 < self.max_steps
                and ctx.can_afford_another_step(margin=self.min_fraction_left)):
            ctx.memo["resamples"] = done + 1
            return Decision(action="dig_deeper", reason="no valid patch (every reply was malformed or changed "
                                                        "nothing): the edits failed, not the localization; sample "
                                                        "the same targets again")
        return await super().decide(ctx, selection, None)


def note_agreement(ctx: StepContext, candidates: list[Candidate]) -> None:
    """How many of this step's valid samples make each candidate's (normalized) edit, and the
    agreement share (`budgets.difficulty`): the patch controller accepts early when the first
    candidates agree and verify. Kept in `ctx.memo["difficulty"]` for this step only."""
    from budgets.difficulty import agreement

    samples = [c for c in candidates if c.source != "expand"]
    keys = [c.key if c.valid else None for c in samples]
    counts = {k: keys.count(k) for k in keys if k is not None}
    share, _, n = agreement(keys)
    ctx.memo["difficulty"] = {"step": ctx.step, "samples": n, "agreement": round(share, 3),
                              "votes": {c.id: counts.get(c.key, 0) for c in samples if c.valid}}
