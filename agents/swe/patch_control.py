"""The patch stage's controller: the budget-aware rules, plus two cases where refining against the
reproduction tests cannot pay."""
from __future__ import annotations

from typing import Any

from agents.context import StepContext
from agents.controllers import RuleController
from agents.state import Decision, Selection, Verdict
from agents.swe.details import PatchDetails


class PatchController(RuleController):
    """- no reproduction tests: a patch with no regressions is accepted (select and its judge take over);
    - every reproduction test distrusted (no candidate passes it): stop with the best if it changed
      what the tests see, else pivot (re-localize: the edits may be in the wrong place) while the
      rules allow one."""

    def __init__(self, **kw: Any):
        super().__init__(**({"accept_score": 1.0, "promising": 0.2, "max_digs": 2, "max_pivots": 1,
                             "max_steps": 5} | kw))

    async def decide(self, ctx: StepContext, selection: Selection, best: Verdict | None) -> Decision:
        d = best.details if best is not None and isinstance(best.details, PatchDetails) else None
        if d is None:
            return await super().decide(ctx, selection, best)
        if d.reproductions == 0 and not d.regressions and best.score > 0:
            return Decision(action="accept", reason="no reproduction test to refine against; no regressions")
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
