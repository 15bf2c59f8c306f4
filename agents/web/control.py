"""The decision after each research step.

`BatsController` (the tracker arm) is the BATS decision, from what the step observed and the budget
left: accept a verified answer; dig deeper on the current lead (the next action; after an answer
that did not verify, more of the page it cited, then the next unread result, found with `find` once
the opens are spent: the closest paragraph to the question); pivot to a new line
of search (after failed actions, or an unverified answer with no lead left); stop and return the
best answer so far when the budget cannot pay for more (the reason says which part ran out), or when
the model gave the same unverified answer three times in a row on one line of search, each from new
evidence, and no search is left (with one left, that is a pivot: reading on this lead does not change it).

`ReactController` (the `--no-tracker` arm) is the budget-unaware baseline the BATS paper compares
with (ReAct): nothing is decided from what is left; the model acts until it answers, and its first
answer ends the run, verified or not."""
from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel

from agents.state import Decision, Selection, Verdict
from agents.web.actions import can_read, more_of, unread
from agents.web.prompts import tool_usage
from agents.web.quotes import normalize
from tools.web.tools import TOOLS

if TYPE_CHECKING:
    from agents.context import StepContext


def tools_left(ctx: "StepContext") -> dict[str, int | None]:
    return {t: left for t, (_, left) in tool_usage(ctx.stage_tracker).items()}


def tokens_left(ctx: "StepContext") -> int | None:
    return ctx.stage_tracker.remaining().get("tokens")


DEFAULT_STEPS = 16  # the step limit of a run whose search, open and find calls are all uncapped


class _Limits(BaseModel):
    """What ends a run whatever the controller: the step limit, and tokens that cannot pay for a step."""
    max_steps: int | None = None  # None: from the run's tool caps (`steps`)
    answer_reserve: int = 1500  # tokens kept for an answer step (the research stage answers below it)

    def steps(self, ctx: "StepContext") -> int:
        """The step limit: `max_steps`, else 4 + 2 steps per capped search, open and find call (one to
        call it, one to answer what it read), between 8 and 200; 16 when none of them is capped. A
        fixed 16 ended 4 of 6 dev runs at search=5 with finds left, and would end a search=20 run long
        before its budget."""
        if self.max_steps is not None:
            return self.max_steps
        caps = [c for t, c in ctx.runtime.tracker.budget.tools.items() if t in TOOLS]
        return max(8, min(200, 4 + 2 * sum(caps))) if caps else DEFAULT_STEPS

    def limit(self, ctx: "StepContext", score: str) -> Decision | None:
        toks = tokens_left(ctx)
        steps = self.steps(ctx)
        if ctx.step + 1 >= steps:
            return Decision(action="stop", reason=f"step limit {steps} reached; {score}")
        if toks is not None and toks < self.answer_reserve // 3:
            return Decision(action="stop", reason=f"tokens left ({toks}) cannot pay for another step; {score}")
        return None


class BatsController(_Limits):
    max_answers: int | None = None  # answer attempts at most (None: the budget and max_steps decide)
    same_answers: int = 3  # the same unverified answer this many times in a row, each from new evidence: stop
    max_pivots: int = 3
    lost_after: int = 2

    async def decide(self, ctx: "StepContext", selection: Selection, best: Verdict | None) -> Decision:
        obs = ctx.current_observation or {}
        memo = ctx.memo
        left = tools_left(ctx)
        score = f"best answer so far scores {best.score:.2f}" if best and best.score > 0 else "no answer yet"
        toks = tokens_left(ctx)
        searches, opens = left.get("search"), left.get("open")
        pivot_ok = self._can_pivot(ctx, left)
        if obs.get("kind") == "answer" and obs.get("verified"):
            reading = can_read(memo, left)
            if obs.get("disputed") and not self.limit(ctx, score) and (reading or pivot_ok):
                move = "dig_deeper" if reading else "pivot"
                return Decision(action=move, reason=f"verified, but the judge's own reading of the passage answers "
                                f"{str(obs['disputed'])[:60]!r}: confirm it with the budget left ("
                                + ("read on" if move == "dig_deeper" else "a new search") + f"; searches left "
                                f"{_n(searches)}, opens left {_n(opens)}); it stays the answer unless another "
                                "verifies")
            return Decision(action="accept", reason=f"answer verified: {obs.get('feedback', '')}"[:300])
        stop = self.limit(ctx, score)
        if stop:
            return stop
        if obs.get("kind") == "answer":
            if self.max_answers is not None and memo.get("answers", 0) >= self.max_answers:
                return Decision(action="stop", reason=f"no verified answer after {self.max_answers} tries; {score}")
            # this line of search's answers: the engine's episode starts afresh at each pivot
            said = [normalize(o["answer"]) for _, o in ctx.episode() + [(None, obs)] if o and o.get("kind") == "answer"]
            if self.same_answers and len(said) >= self.same_answers and len(set(said[-self.same_answers:])) == 1:
                same = f"the same answer {self.same_answers} times from new evidence, never verified"
                if pivot_ok:
                    return Decision(action="pivot", reason=f"{same}: reading on this lead does not change it; pivot "
                                    f"to a new search (searches left: {_n(searches)})")
                why = (f"all {self.max_pivots} pivots are used" if ctx.result.pivots >= self.max_pivots else
                       f"the budget has no search and open or find left for a new lead (searches left "
                       f"{_n(searches)}, opens left {_n(opens)}, finds left {_n(left.get('find'))})")
                return Decision(action="stop", reason=f"{same}: reading on does not change it and {why}; {score}")
            if can_read(memo, left):
                more, lead = more_of(memo) if opens != 0 else "", unread(memo)
                what = ("more of the cited page" if more else f"{len(lead)} unread results of this search" +
                        ("" if opens != 0 else " with find (no open call left)"))
                return Decision(action="dig_deeper", reason=f"not verified ({obs.get('feedback', '')[:120]}); dig "
                                f"deeper: {what}, open calls left: {_n(opens)}, find calls left: "
                                f"{_n(left.get('find'))}")
            if pivot_ok:
                return Decision(action="pivot", reason=f"not verified and this lead is used up; pivot to a new "
                                f"search (searches left: {_n(searches)})")
            # a new search whose results cannot be opened gives the next answer nothing new
            return Decision(action="stop", reason=f"answer not verified and the budget has no search or open call "
                            f"left for a new lead (searches left {_n(searches)}, opens left {_n(opens)}, finds left "
                            f"{_n(left.get('find'))}); {score}")
        failed = 0
        for o in reversed([o for _, o in ctx.episode()] + [obs if selection.winner else None]):
            if o and not o.get("error"):
                break
            failed += 1
        if failed >= self.lost_after and searches != 0 and ctx.result.pivots < self.max_pivots:
            return Decision(action="pivot", reason=f"{failed} failed actions in a row; pivot to a new line of search")
        return Decision(action="dig_deeper", reason=f"next action (searches left {_n(searches)}, opens left "
                        f"{_n(opens)}, tokens left {_n(toks)})")

    def can_follow_up(self, ctx: "StepContext") -> bool:
        """Whether the budget can pay for another lead: read on (an open or a find on this lead), or a new
        search with a call to read its results, while pivots are left. The verifier asks before it spends
        a judge call on whether a verified answer is worth confirming."""
        left = tools_left(ctx)
        return can_read(ctx.memo, left) or self._can_pivot(ctx, left)

    def _can_pivot(self, ctx: "StepContext", left: dict[str, int | None]) -> bool:
        """A new line of search: a search call, a call to read its results with (an open or a find), and
        a pivot left."""
        readers = left.get("open") != 0 or left.get("find") != 0
        return left.get("search") != 0 and readers and ctx.result.pivots < self.max_pivots


class ReactController(_Limits):
    """The budget-unaware baseline: the model's first answer ends the run (verified or not); until then
    each step is the model's next action. Only the caps, the step limit and the tokens end it sooner."""

    async def decide(self, ctx: "StepContext", selection: Selection, best: Verdict | None) -> Decision:
        obs = ctx.current_observation or {}
        if obs.get("kind") == "answer":
            left = tools_left(ctx)
            why = ("no search or open call left, so it answered; " if left.get("search") == 0 and left.get("open") == 0
                   else "")
            if obs.get("verified"):
                return Decision(action="accept", reason=f"{why}answer verified: {obs.get('feedback', '')}"[:300])
            return Decision(action="stop", reason=f"{why}the first answer ends a budget-unaware run; best answer so "
                            f"far, not verified ({obs.get('feedback', '')[:120]})")
        return self.limit(ctx, "no answer yet") or Decision(action="dig_deeper", reason="next action")


def _n(v: int | None) -> str:
    return "no cap" if v is None else str(v)
