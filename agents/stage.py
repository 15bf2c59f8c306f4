"""The generic stage: each step is allocate → sample → verify → select → (apply) → decide.

Subclass `Stage` (or `ModelStage`) and override the parts that differ: `prompt`/`parse` for what to
sample, `verifier`, `strategy`, `controller`, and `apply` for interactive stages that act on an
environment (execute the chosen GUI action, run the chosen tool call) and observe the result.
The engine (agents/graph.py) runs one step per graph super-step and checkpoints after each.
"""
from __future__ import annotations

import asyncio
import time
from typing import Any

from budgets import Budget, BudgetExceeded

from agents.context import StepContext
from agents.controllers import Controller, RuleController
from agents.models.base import GenerationParams, Message
from agents.state import Candidate, Decision, Selection, StepRecord, Verdict
from agents.strategies import BestScore, Strategy
from agents.verifiers import ParseVerifier, Verifier


class Stage:
    """One stage of a pipeline. Class attributes are defaults; pass overrides to `__init__`."""

    name: str = "stage"
    k: int = 4                          # candidates per step
    share: float | None = None          # fraction of the run budget this stage may use
    budget: Budget | None = None        # or explicit caps for the stage
    model: str | None = None            # model name (None: the run's default)
    max_tokens: int = 512
    temperature: float = 0.8
    pivot_temperature: float = 1.0
    pivot_to: str | None = None         # on pivot, go back to this earlier stage (None: this stage)

    def __init__(self, name: str | None = None, *, verifier: Verifier | None = None,
                 strategy: Strategy | None = None, controller: Controller | None = None, **overrides: Any):
        self.name = name or self.name
        self.verifier: Verifier = verifier or ParseVerifier()
        self.strategy: Strategy = strategy or BestScore()
        self.controller: Controller = controller or RuleController()
        for key, value in overrides.items():
            if not hasattr(type(self), key):
                raise TypeError(f"{type(self).__name__} has no setting {key!r}")
            setattr(self, key, value)

    # ---- parts to override -----------------------------------------------------------------------
    async def propose(self, ctx: StepContext) -> list[Candidate]:
        """Produce this step's candidates. Default: sample `k` completions of `prompt(ctx)`."""
        params = GenerationParams(n=self.k, max_tokens=self.max_tokens,
                                  temperature=self.pivot_temperature if ctx.mode == "pivot" else self.temperature)
        return await ctx.sample(self.prompt(ctx), params)

    def prompt(self, ctx: StepContext) -> list[Message]:
        raise NotImplementedError(f"stage {self.name!r} must define prompt() or propose()")

    def parse(self, ctx: StepContext, text: str) -> Any:
        """Turn a raw completion into candidate content; raise to mark the candidate invalid."""
        text = text.strip()
        if not text:
            raise ValueError("empty output")
        return text

    def key(self, ctx: StepContext, content: Any) -> str | None:
        """Normalized answer for voting (None: use the content's text)."""
        return None

    async def apply(self, ctx: StepContext, winner: Candidate) -> dict[str, Any] | None:
        """Act on the environment with the selected candidate; return an observation."""
        return None

    # ---- the step ----------------------------------------------------------------------------------
    async def run_step(self, ctx: StepContext) -> StepRecord:
        started = time.time()
        before = ctx.tracker.spent.model_copy()
        record = StepRecord(stage=self.name, step=ctx.step, mode=ctx.mode, started_at=started)
        candidates: list[Candidate] = []
        verdicts: list[Verdict] = []
        try:
            candidates = await self.propose(ctx)
            try:
                verdicts = await self.verifier.verify(ctx, candidates) if candidates else []
            except (BudgetExceeded, asyncio.CancelledError):
                raise
            except Exception as e:  # noqa: BLE001 - a broken verification fails this step, not the run
                ctx.errors.append(f"verify: {type(e).__name__}: {str(e)[:300]}")
                verdicts = [Verdict(candidate_id=c.id, score=0.0, passed=None, uncertainty=1.0,
                                    feedback=f"verification failed: {type(e).__name__}") for c in candidates]
            selection = await self.strategy.select(candidates, verdicts, ctx)
        except BudgetExceeded as e:
            ctx.errors.append(f"budget: {e}")
            selection = Selection(strategy=getattr(self.strategy, "name", "?"), winner=None,
                                  reason="budget exhausted during the step")
            self._update_best(ctx, candidates, verdicts, selection)
            record.decision = Decision(action="stop", reason=f"budget exhausted: {e}")
        else:
            self._update_best(ctx, candidates, verdicts, selection)
            winner = next((c for c in candidates if c.id == selection.winner), None)
            if winner is not None:
                record.observation = await self.apply(ctx, winner)
            best = ctx.result.verdict
            record.decision = await self.controller.decide(ctx, selection, best)
            if record.decision.action == "pivot" and self.pivot_to and record.decision.target is None:
                record.decision.target = self.pivot_to
        record.candidates, record.verdicts, record.selection = candidates, verdicts, selection
        record.errors = list(ctx.errors)
        record.spend = (ctx.tracker.spent - before).summary()
        record.budget = ctx.budget_text()
        record.duration_s = round(time.time() - started, 4)
        return record

    def _update_best(self, ctx: StepContext, candidates: list[Candidate], verdicts: list[Verdict],
                     selection: Selection) -> None:
        """Keep the stage's best-so-far: this step's winner replaces it if it scores at least as well."""
        winner = next((c for c in candidates if c.id == selection.winner), None)
        if winner is None:
            return
        verdict = next((v for v in verdicts if v.candidate_id == winner.id),
                       Verdict(candidate_id=winner.id, score=selection.scores.get(winner.id, 0.0)))
        current = ctx.result.verdict
        if current is None or verdict.score >= current.score:
            ctx.result.best, ctx.result.verdict = winner, verdict


class ModelStage(Stage):
    """A stage defined by two functions: `prompt_fn(ctx) -> messages`, `parse_fn(ctx, text) -> content`."""

    def __init__(self, name: str, prompt_fn, parse_fn=None, **kw: Any):
        super().__init__(name, **kw)
        self._prompt_fn, self._parse_fn = prompt_fn, parse_fn

    def prompt(self, ctx: StepContext) -> list[Message]:
        return self._prompt_fn(ctx)

    def parse(self, ctx: StepContext, text: str) -> Any:
        return self._parse_fn(ctx, text) if self._parse_fn else super().parse(ctx, text)
