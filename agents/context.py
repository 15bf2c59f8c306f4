"""`StepContext`: everything one stage step can see and use, including budgeted model calls.

What a stage keeps between its steps goes in `ctx.memo` (checkpointed with the stage's result, so
it survives a kill and a resume); what one model call needs in `parse` travels in its
`SampleRequest.plan`. There is no other side channel.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from budgets import BudgetExceeded, BudgetTracker, Spend

from agents import calls
from agents.errors import ModelError
from agents.models.base import GenerationParams, Message
from agents.state import Candidate, Mode, SampleRequest, StageResult, StepRecord, Task, Verdict

if TYPE_CHECKING:
    from agents.protocols import StageHooks
    from agents.runtime import Runtime


class StepContext:
    def __init__(self, *, task: Task, stage: "StageHooks", runtime: "Runtime", tracker: BudgetTracker,
                 results: dict[str, StageResult], history: list[StepRecord], result: StageResult,
                 step: int, mode: Mode, records: list[StepRecord] | None = None,
                 stage_tracker: BudgetTracker | None = None):
        self.task, self.stage, self.runtime, self.tracker = task, stage, runtime, tracker
        # `tracker` pays for this step's calls (a step slice when the stage has `step_budget`);
        # `stage_tracker` is the stage's (one episode's) slice, which controllers plan with
        self.stage_tracker = stage_tracker or tracker
        self.records = records if records is not None else history  # every stage's steps so far
        self.results, self.history, self.result = results, history, result
        self.step, self.mode = step, mode
        self.errors: list[str] = []
        self.current_observation: dict[str, Any] | None = None  # set once this step's winner is applied
        self.out_of_budget: str | None = None  # why the budget refused part of this step, if it did
        self.finished = 0  # generation finish counter (first-finish order)

    # ---- what the agent sees --------------------------------------------------------------------
    def budget_text(self) -> str:
        return self.stage_tracker.snapshot().text()

    def task_text(self) -> str:
        return str(self.task.input.get("prompt") or self.task.input.get("problem_statement") or self.task.input)

    @property
    def memo(self) -> dict[str, Any]:
        """The stage's own notes between steps (JSON-able values; checkpointed after every step)."""
        return self.result.memo

    @property
    def best(self) -> tuple[Candidate, Verdict] | None:
        r = self.result
        return (r.best, r.verdict) if r.best is not None and r.verdict is not None else None

    @property
    def observation(self) -> dict[str, Any] | None:
        """What applying the last winner of this stage returned (interactive stages): during a step,
        the previous step's; once this step's winner was applied, that (`current_observation`)."""
        if self.current_observation is not None:
            return self.current_observation
        for rec in reversed(self.history):
            if rec.observation is not None:
                return rec.observation
        return None

    def episode(self) -> list[tuple[Candidate | None, dict[str, Any] | None]]:
        """The actions taken in this stage's current episode (since the last pivot, which resets it)
        and what each observed, oldest first; this step's own is not included."""
        steps: list[tuple[Candidate | None, dict[str, Any] | None]] = []
        if self.mode == "pivot":  # this step starts a new episode
            return steps
        for rec in self.history:
            if rec.mode == "pivot":
                steps = []
            winner = next((c for c in rec.candidates if rec.selection and c.id == rec.selection.winner), None)
            steps.append((winner, rec.observation))
        return steps

    def output(self, stage: str) -> Any:
        """The accepted (or best-so-far) content of an earlier stage."""
        r = self.results.get(stage)
        return r.best.content if r and r.best else None

    def history_of(self, stage: str) -> list[StepRecord]:
        """The steps of another (or this) stage so far, oldest first."""
        return [r for r in self.records if r.stage == stage]

    # ---- budget-aware helpers for controllers ----------------------------------------------------
    def last_step_spend(self) -> Spend:
        for rec in reversed(self.history):
            if rec.spend:
                return Spend(**{k: v for k, v in rec.spend.items() if k in Spend.model_fields})
        return Spend()

    def can_afford_another_step(self, margin: float = 0.0) -> bool:
        if self.stage_tracker.fraction_left() <= margin:
            return False
        return self.stage_tracker.can_afford(self.last_step_spend())

    def stalled_digs(self) -> int:
        """Consecutive refine steps (newest first) whose winner did not beat the best before it."""
        n = 0
        for rec in reversed(self.history):
            if rec.mode != "refine" or not rec.decision:
                break
            if rec.errors or not rec.selection or not rec.selection.winner:
                n += 1
                continue
            if rec.selection.winner == (self.result.best.id if self.result.best else None):
                break  # that refinement produced the current best: progress
            n += 1
        return n

    # ---- budgeted model calls ---------------------------------------------------------------------
    async def generate(self, messages: list[Message], params: GenerationParams, *, model: str | None = None,
                       purpose: str = "sample") -> list[str]:
        """Budgeted completion. Model errors are recorded (and return no texts) rather than raised, so
        one failed call never kills a run; `BudgetExceeded` propagates (see `agents.stage`). Any other
        exception from the call (a plugin model's or a backend's bug) is a failed call too, counted the
        same way, with its type and message: a run whose every call raised is "failed" with that reason."""
        m = self.runtime.model(model or getattr(self.stage, "model", None))
        if params.seed is None and self.runtime.seed is not None:
            params = params.model_copy(update={"seed": self.runtime.seed + 1000 * self.step})
        try:
            completion = await calls.complete(m, self.tracker, messages, params)
        except BudgetExceeded:
            raise
        except Exception as e:  # noqa: BLE001 - ModelError, or a model's bug: a failed call either way
            text = f"{type(e).__name__}: {e}"
            if not isinstance(e, ModelError):
                text += f" (an unexpected error from model {m.name})"
            self.errors.append(f"{purpose}: {text}")
            self.runtime.model_failed(text)
            self.runtime.emit("model_error", stage=self.stage.name, error=str(e) if isinstance(e, ModelError) else text)
            return []
        self.runtime.model_succeeded()
        self.runtime.emit("spend", stage=self.stage.name, snapshot=self.runtime.tracker.snapshot().model_dump())
        return completion.texts

    async def sample(self, request: SampleRequest) -> list[Candidate]:
        """Sample one request's candidates and parse each with the stage's `parse(ctx, request, text)`."""
        out: list[Candidate] = []
        for text in await self.generate(request.messages, request.params, model=request.model,
                                        purpose=request.purpose):
            self.finished += 1
            cand = Candidate(text=text, origin=self.mode, finish_order=self.finished,
                             output_tokens=max(1, len(text) // 4),
                             parent=self.best[0].id if self.best and self.mode == "refine" else None,
                             meta={"temperature": request.params.temperature})
            try:
                cand.content = self.stage.parse(self, request, text)
                cand.key = self.stage.key(self, cand.content)
            except Exception as e:  # noqa: BLE001 - a parse failure is a property of the candidate
                cand.error = f"{type(e).__name__}: {e}"[:500]
            out.append(cand)
        return out
