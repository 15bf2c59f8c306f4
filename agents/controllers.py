"""Controllers decide, after each step, whether to accept, dig deeper, pivot or stop (BATS).

They read the same numbers the agent sees: the stage's budget snapshot, the best verdict so far and
the step history. Every decision carries its reason into the trajectory.
"""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from budgets import BudgetExceeded

from agents.models.base import GenerationParams
from agents.protocols import Controller
from agents.state import Decision, Selection, Verdict

if TYPE_CHECKING:
    from agents.context import StepContext

__all__ = ["Controller", "RuleController", "AcceptController", "LLMController", "EpisodeController"]


_SCHEMA = {"type": "object", "properties": {
    "action": {"type": "string", "enum": ["accept", "dig_deeper", "pivot", "stop"]},
    "reason": {"type": "string"}}, "required": ["action", "reason"]}


class RuleController(BaseModel):
    """Budget-aware rules.

    - accept when the best score reaches `accept_score`;
    - stop when the stage's budget cannot pay for another step like the ones so far, or `max_steps`;
    - dig deeper (refine the best with its feedback) when it is promising (score ≥ `promising`) and
      refinements of it have not stalled (`max_digs` in a row without improvement);
    - pivot (fresh candidates, different approach) otherwise, up to `max_pivots` times.
    """

    accept_score: float = 1.0
    promising: float = 0.3
    max_digs: int = 2
    max_pivots: int = 1
    max_steps: int = 6
    min_fraction_left: float = 0.0

    async def decide(self, ctx: "StepContext", selection: Selection, best: Verdict | None) -> Decision:
        score = best.score if best else 0.0
        if best is not None and score >= self.accept_score:
            return Decision(action="accept", reason=f"best score {score:.2f} ≥ {self.accept_score}")
        if ctx.step + 1 >= self.max_steps:
            return Decision(action="stop", reason=f"stage step limit {self.max_steps} reached; best score {score:.2f}")
        if not ctx.can_afford_another_step(margin=self.min_fraction_left):
            return Decision(action="stop", reason=f"budget left ({ctx.budget_text()}) cannot pay for another "
                                                  f"step like the last; best score {score:.2f}")
        result = ctx.result
        if best is not None and score >= self.promising and ctx.stalled_digs() < self.max_digs:
            return Decision(action="dig_deeper", reason=f"best score {score:.2f} is promising "
                                                        f"(≥ {self.promising}); refine it with its feedback")
        if result.pivots < self.max_pivots:
            why = "nothing promising" if score < self.promising else f"refinement stalled {ctx.stalled_digs()} times"
            return Decision(action="pivot", reason=f"{why} (best {score:.2f}); try a different approach")
        return Decision(action="stop", reason=f"no pivots left; best score {score:.2f}")


class AcceptController(BaseModel):
    """One step per stage: take the selection as it is (for stages that just generate)."""

    async def decide(self, ctx: "StepContext", selection: Selection, best: Verdict | None) -> Decision:
        return Decision(action="accept", reason="single-step stage")


class LLMController(BaseModel):
    """Asks a model to decide from the budget snapshot and the step summary; falls back to
    `RuleController` when the answer is unusable or the budget cannot pay for the question."""

    model_config = ConfigDict(protected_namespaces=())
    model: str | None = None
    fallback: RuleController = Field(default_factory=RuleController)

    def __init__(self, model: str | None = None, fallback: Any = None, **kw: Any):
        super().__init__(model=model, fallback=fallback or RuleController(), **kw)

    async def decide(self, ctx: "StepContext", selection: Selection, best: Verdict | None) -> Decision:
        hard = await self.fallback.decide(ctx, selection, best)
        if hard.action in ("accept", "stop"):  # budget and success rules are not negotiable
            return hard
        summary = (f"Stage '{ctx.stage.name}', step {ctx.step}. Best score so far {best.score if best else 0:.2f}. "
                   f"Feedback on the best: {(best.feedback if best else '')[:500]}\nBudget: {ctx.budget_text()}\n"
                   "Options: dig_deeper (refine the best), pivot (new approach), stop (return the best), accept.")
        try:
            texts = await ctx.generate([{"role": "user", "content": summary + "\nAnswer as JSON {\"action\", \"reason\"}."}],
                                       GenerationParams(n=1, max_tokens=96, temperature=0.0, json_schema=_SCHEMA),
                                       model=self.model, purpose="controller")
            data = json.loads(texts[0])
            if data["action"] == "pivot" and ctx.result.pivots >= self.fallback.max_pivots:
                return Decision(action=hard.action, reason=f"{hard.reason} (llm asked to pivot; no pivots left)")
            return Decision(action=data["action"], reason="llm: " + str(data.get("reason", ""))[:300])
        except BudgetExceeded as e:  # the question itself is unaffordable: the rules decide
            return Decision(action=hard.action, reason=f"{hard.reason} (llm controller unaffordable: {e})")
        except (ValueError, KeyError, IndexError, TypeError, AttributeError) as e:  # an unusable answer: the rules decide
            return Decision(action=hard.action, reason=f"{hard.reason} (llm controller unusable: {type(e).__name__})")


class EpisodeController(BaseModel):
    """For interactive stages (act → observe, one action per step). The observation an `apply`
    returns may say `done` (the episode ended), `success` (it ended well) and `error` (the action
    failed, e.g. it named a missing element). Rules, in order:

    - accept when the observation says done and not `success: False`;
    - stop at `max_steps` actions or when the stage's (episode's) budget cannot pay another step;
    - pivot (reset the episode, try a different plan) after `lost_after` failed actions in a row,
      or an episode that ended unsuccessfully, up to `max_pivots` times;
    - otherwise dig deeper: take the next action on this path.
    """

    max_steps: int = 8
    max_pivots: int = 1
    lost_after: int = 2
    min_fraction_left: float = 0.0

    async def decide(self, ctx: "StepContext", selection: Selection, best: Verdict | None) -> Decision:
        obs = ctx.current_observation or {}
        failed = obs.get("success") is False
        if obs.get("done") and not failed:
            return Decision(action="accept", reason=f"episode done: {str(obs.get('summary', obs))[:200]}")
        if ctx.step + 1 >= self.max_steps:
            return Decision(action="stop", reason=f"action limit {self.max_steps} reached")
        if not ctx.can_afford_another_step(margin=self.min_fraction_left):
            return Decision(action="stop", reason=f"budget left ({ctx.budget_text()}) cannot pay another action")
        # this step failed if no valid action won or the action errored; count the failures in a row
        latest = obs if selection.winner is not None else {"error": "no valid action"}
        errors = 0
        for o in reversed([o or {"error": "no valid action"} for _, o in ctx.episode()] + [latest]):
            if not o.get("error"):
                break
            errors += 1
        if (failed or obs.get("done") or errors >= self.lost_after) and ctx.result.pivots < self.max_pivots:
            why = "the episode ended unsuccessfully" if failed or obs.get("done") else f"{errors} failed actions in a row"
            return Decision(action="pivot", reason=f"{why}: reset and try a different plan")
        if failed or obs.get("done"):
            return Decision(action="stop", reason="the episode ended unsuccessfully and no pivots are left")
        return Decision(action="dig_deeper", reason="take the next action on this path")
