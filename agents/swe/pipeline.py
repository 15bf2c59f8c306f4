"""The SWE pipeline: localize → reproduce → patch (dig deeper / pivot to localize) → select.

Modes (for measuring what test-time scaling buys):
- `single`:    one greedy localization and one greedy whole-file patch; no tests run.
- `best_of_n`: K patches verified once against generated reproduction tests; the best is taken.
- `scaled`:    the budget-aware controller digs deeper on promising patches and pivots when none is;
               a patch that breaks existing tests is also tried with parts of its edit left out.
"""
from __future__ import annotations

from typing import Any

from agents.controllers import AcceptController
from agents.graph import Pipeline
from agents.strategies import BestScore
from agents.swe.localize import Localize
from agents.swe.details import PatchDetails
from agents.swe.patch import Patch
from agents.swe.patch_control import PatchController
from agents.swe.reproduce import Reproduce
from agents.swe.select import Select

MODES = ("single", "best_of_n", "scaled")


def swe_pipeline(mode: str = "scaled", *, k: int = 4, edit_format: str = "auto", pessimistic: bool = False,
                 max_steps: int = 5) -> Pipeline:
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}")
    if mode == "single":
        patch = Patch(k=1, temperature=0.0, controller=AcceptController(), strategy=BestScore(),
                      verifier=_NoTests(), edit_format=edit_format)
        return Pipeline([Localize(k=1, temperature=0.0), patch], name="swe-single")
    stages: list[Any] = [Localize(k=k, share=0.1), Reproduce(k=max(2, k // 2), share=0.25)]
    if mode == "best_of_n":
        stages.append(Patch(k=k, share=0.55, controller=AcceptController(), edit_format=edit_format))
    else:
        stages.append(Patch(k=k, share=0.55, edit_format=edit_format, controller=PatchController(max_steps=max_steps),
                            ablate=3))
    stages.append(Select(share=0.1, pessimistic=pessimistic))
    return Pipeline(stages, name=f"swe-{mode}")


def final_patch(result: Any) -> str:
    """The patch a run ends with: the select stage's winner, else the patch stage's best."""
    for stage in ("select", "patch"):
        r = result.stages.get(stage)
        if r and r.best and isinstance(r.best.content, dict):
            return r.best.content.get("patch", "")
    return ""


def final_checks(result: Any) -> dict[str, Any]:
    """What verification said of the final patch: reproduction tests fixed, existing tests it breaks
    (`verified` is False when nothing ran, as in `--mode single` or when no patch was made)."""
    for stage in ("select", "patch"):
        r = result.stages.get(stage)
        if r and r.best and isinstance(r.best.content, dict) and r.verdict is not None:
            d = r.verdict.details
            if not isinstance(d, PatchDetails):
                break
            return {"verified": True, "score": round(r.verdict.score, 3), "reproductions": d.reproductions,
                    "fixed": d.fixed, "regressions": list(d.regressions), "distrusted": list(d.distrusted)}
    return {"verified": False}


class _NoTests:
    """`--mode single`: nothing runs; a valid patch scores 1."""

    async def verify(self, ctx, candidates):
        from agents.state import Verdict

        return [Verdict(candidate_id=c.id, score=1.0) for c in candidates if c.valid]
