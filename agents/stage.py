"""The generic stage: each step is requests → sample → parse → (aggregate) → verify → expand →
select → apply → decide.

Subclass `Stage` (or use `ModelStage`) and override the hooks that differ (`agents.protocols.StageHooks`):
`requests`/`prompt` and `parse` for what to sample, `aggregator` to merge the K samples, `verifier`,
`expand` for variants of the verified candidates, `strategy`, `controller`, and `apply` for
interactive stages that act on an environment and observe the result. The engine (agents/graph.py)
runs one step per graph super-step and checkpoints after each.

When the budget runs out mid-step (one rule for every stage): the samples already paid for are
kept, verified where verification is still affordable (a verification the budget cannot pay for
gives an unverified verdict: score 0, uncertainty 1), and selected; the stage's best so far is kept,
and the step's decision is `stop` with the reason. The run then returns the best so far.
"""
from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

from budgets import Budget, BudgetExceeded

from agents.controllers import RuleController
from agents.models.base import GenerationParams, Message
from agents.protocols import Aggregator, Controller, Strategy, Verifier, config_of
from agents.state import Candidate, Decision, SampleRequest, Selection, StepRecord, Verdict
from agents.strategies import BestScore
from agents.verifiers import ParseVerifier

if TYPE_CHECKING:
    from agents.context import StepContext

SETTINGS = ("k", "share", "need", "budget", "step_budget", "model", "max_tokens", "temperature",
            "pivot_temperature", "pivot_to")


class Stage:
    """One stage of a pipeline. Class attributes are defaults; pass overrides to `__init__`."""

    name: str = "stage"
    k: int = 4                          # candidates per step
    share: float | None = None          # fraction of the run budget (None: an equal part of what no stage claims)
    # a bounded stage's most spend per visit (one judge call): when it names every dimension the run
    # caps, the stage takes no share; the stages before it leave it this much and split the rest
    need: Budget | None = None
    budget: Budget | None = None        # or explicit caps for the stage (per visit: an episode)
    step_budget: Budget | None = None   # caps for each step (interactive stages: one action)
    model: str | None = None            # model name (None: the run's default)
    max_tokens: int = 512
    temperature: float = 0.8
    pivot_temperature: float = 1.0
    pivot_to: str | None = None         # on pivot, go back to this earlier stage (None: this stage)
    settings: tuple[str, ...] = ()      # a subclass's own settings, written to run.json
    # the pipeline still works without this stage's result (later stages check for it): `share: 0`
    # (in a plan) skips it; a stage that is not optional refuses share 0 (budgets.plan.Plan.apply)
    optional: bool = False
    # the budgeted tools its steps call (None: any); a tool's calls are sliced only among the stages
    # that call it, so a stage that never calls one holds none of its calls back from those that do
    tools: tuple[str, ...] | None = None

    def __init__(self, name: str | None = None, *, verifier: Verifier | None = None,
                 strategy: Strategy | None = None, controller: Controller | None = None,
                 aggregator: Aggregator | None = None, **overrides: Any):
        self.name = name or self.name
        self.verifier: Verifier = verifier or ParseVerifier()
        self.strategy: Strategy = strategy or BestScore()
        self.controller: Controller = controller or RuleController()
        self.aggregator: Aggregator | None = aggregator
        for key, value in overrides.items():
            if not hasattr(type(self), key) or key.startswith("_"):
                raise TypeError(f"{type(self).__name__} has no setting {key!r}")
            setattr(self, key, value)

    def config(self) -> dict[str, Any]:
        """Everything that shapes this stage's behaviour, JSON-able (written to run.json)."""
        values = {k: getattr(self, k) for k in SETTINGS + tuple(self.settings)}
        values = {k: v.model_dump() if isinstance(v, Budget) else v for k, v in values.items()}
        return {"type": type(self).__name__, "name": self.name, **values,
                **{part: config_of(getattr(self, part)) for part in ("verifier", "strategy", "controller",
                                                                      "aggregator")}}

    # ---- hooks to override (agents.protocols.StageHooks) -------------------------------------------
    def params(self, ctx: "StepContext", n: int | None = None, **update: Any) -> GenerationParams:
        temp = self.pivot_temperature if ctx.mode == "pivot" else self.temperature
        return GenerationParams(n=self.k if n is None else n, max_tokens=self.max_tokens, temperature=temp, **update)

    def requests(self, ctx: "StepContext") -> list[SampleRequest]:
        """The model calls of this step. Default: one call of `k` samples of `prompt(ctx)`."""
        if self.k <= 0:
            return []
        return [SampleRequest(messages=self.prompt(ctx), params=self.params(ctx), model=self.model)]

    def greedy_and_samples(self, ctx: "StepContext") -> list[SampleRequest]:
        """K > 1 calls as one greedy answer (what K=1 returns: the same prompt at temperature 0) and
        K-1 samples, so the step's vote can always keep what one attempt gets right. The samples'
        prompt is built at call time (`prompt_for`), after the greedy call (a prompt cache reuses it)."""
        greedy = self.params(ctx, 1).model_copy(update={"temperature": 0.0})
        return [SampleRequest(messages=self.prompt(ctx), params=greedy, model=self.model),
                SampleRequest(messages=[], params=self.params(ctx, self.k - 1), model=self.model)]

    def prompt(self, ctx: "StepContext") -> list[Message]:
        raise NotImplementedError(f"stage {self.name!r} must define prompt(), requests() or propose()")

    def prompt_for(self, ctx: "StepContext", request: SampleRequest) -> list[Message]:
        """The messages of a request that left them empty, built just before its call (so a budget
        line in them shows what the step's earlier calls left). Default: `prompt(ctx)`."""
        return self.prompt(ctx)

    def parse(self, ctx: "StepContext", request: SampleRequest, text: str) -> Any:
        """Turn a raw completion into candidate content; raise to mark the candidate invalid."""
        text = text.strip()
        if not text:
            raise ValueError("empty output")
        return text

    def key(self, ctx: "StepContext", content: Any) -> str | None:
        """Normalized answer for voting (None: use the content's text)."""
        return None

    def follow_up(self, ctx: "StepContext", request: SampleRequest, candidate: Candidate) -> SampleRequest | None:
        """A second turn for a reply the stage could not use (e.g. the reply's error shown to the
        model), sampled after every request of the step; None (the default): no second turn."""
        return None

    async def propose(self, ctx: "StepContext") -> list[Candidate]:
        """Sample every request in order, then the follow-ups the replies ask for (`follow_up`), from
        what the requests left: a follow-up never takes a fresh sample's place, and the samples are the
        ones a stage without follow-ups draws. A request the budget cannot pay for ends the sampling;
        the samples drawn before it are kept (and `BudgetExceeded` is raised only if there are none)."""
        out: list[Candidate] = []
        drawn: list[tuple[SampleRequest, Candidate]] = []
        try:
            for request in self.requests(ctx):
                if not request.messages:
                    request = request.model_copy(update={"messages": self.prompt_for(ctx, request)})
                got = await ctx.sample(request)
                out.extend(got)
                drawn.extend((request, c) for c in got)
        except BudgetExceeded as e:
            if not out:
                raise
            _refused(ctx, e, f"{e}; kept the {len(out)} samples drawn before it")
        for request, cand in drawn:
            out.extend(await self._follow_up(ctx, request, cand))
        return out

    async def _follow_up(self, ctx: "StepContext", request: SampleRequest, cand: Candidate) -> list[Candidate]:
        """`cand`'s follow-up turn, if the stage asks for one and the budget can pay for it (one the
        budget refuses is skipped; the step goes on with what it has)."""
        again = self.follow_up(ctx, request, cand)
        if again is None:
            return []
        try:
            more = await ctx.sample(again)
        except BudgetExceeded as e:
            ctx.errors.append(f"budget: follow-up of {cand.id} skipped: {e}")
            return []
        for c in more:  # the turn that answers `cand`: its child in the trajectory
            c.parent, c.meta["follow_up_of"] = cand.id, cand.id
        return more

    async def expand(self, ctx: "StepContext", candidates: list[Candidate], verdicts: list[Verdict]) -> list[Candidate]:
        """Variants of this step's verified candidates, verified and selected like the others."""
        return []

    async def apply(self, ctx: "StepContext", winner: Candidate) -> dict[str, Any] | None:
        """Act on the environment with the selected candidate; return an observation."""
        return None

    # ---- the step ----------------------------------------------------------------------------------
    async def run_step(self, ctx: "StepContext") -> StepRecord:
        started = time.time()
        spent_before = ctx.runtime.tracker.spent.model_copy()
        record = StepRecord(stage=self.name, step=ctx.step, mode=ctx.mode, started_at=started)
        candidates: list[Candidate] = []
        try:
            candidates = await self.propose(ctx)
        except BudgetExceeded as e:
            _refused(ctx, e, str(e))
        except asyncio.CancelledError:
            raise
        except Exception as e:  # noqa: BLE001 - a stage that cannot propose ends its step with nothing
            ctx.errors.append(f"propose: {type(e).__name__}: {str(e)[:300]}")
        out_of_budget = ctx.out_of_budget
        if self.aggregator is not None:  # also with no samples: an aggregator may have a prior of its own
            record.samples = candidates
            candidates = await self._guard(ctx, "aggregate", self.aggregator.aggregate(ctx, candidates), candidates)
        verdicts, short = await self._verify(ctx, candidates)
        out_of_budget = out_of_budget or short
        if out_of_budget is None and candidates:
            extra = await self._guard(ctx, "expand", self.expand(ctx, candidates, verdicts), [])
            for c in extra:
                c.source = "expand"
            if extra:
                more, short = await self._verify(ctx, extra)
                candidates, verdicts = candidates + extra, verdicts + more
                out_of_budget = short
        selection = await self._select(ctx, candidates, verdicts)
        self._update_best(ctx, candidates, verdicts, selection)
        if out_of_budget is not None:
            ctx.errors.append(f"budget: {out_of_budget}")
            record.decision = Decision(action="stop", reason=f"budget exhausted: {out_of_budget}")
        else:
            try:
                winner = next((c for c in candidates if c.id == selection.winner), None)
                if winner is not None:
                    record.observation = ctx.current_observation = await self.apply(ctx, winner)
                record.decision = await self.controller.decide(ctx, selection, ctx.result.verdict)
            except BudgetExceeded as e:
                ctx.errors.append(f"budget: {e}")
                record.decision = Decision(action="stop", reason=f"budget exhausted: {e}")
            if record.decision.action == "pivot" and self.pivot_to and record.decision.target is None:
                record.decision.target = self.pivot_to
        record.candidates, record.verdicts, record.selection = candidates, verdicts, selection
        record.errors = list(ctx.errors)
        record.spend = (ctx.runtime.tracker.spent - spent_before).summary()
        record.budget = ctx.budget_text()
        record.duration_s = round(time.time() - started, 4)
        return record

    async def _guard(self, ctx: "StepContext", what: str, call: Any, fallback: list[Candidate]) -> list[Candidate]:
        try:
            return list(await call)
        except (BudgetExceeded, asyncio.CancelledError):
            raise
        except Exception as e:  # noqa: BLE001 - a broken hook fails its part of the step, not the run
            ctx.errors.append(f"{what}: {type(e).__name__}: {str(e)[:300]}")
            return fallback

    async def _verify(self, ctx: "StepContext", candidates: list[Candidate]) -> tuple[list[Verdict], str | None]:
        """Verdicts for the valid candidates, and why the budget ran out, if it did."""
        if not candidates:
            return [], None
        try:
            return list(await self.verifier.verify(ctx, candidates)), None
        except BudgetExceeded as e:
            return unverified(candidates, f"not verified: {e}"), str(e)
        except asyncio.CancelledError:
            raise
        except Exception as e:  # noqa: BLE001 - a broken verification fails this step, not the run
            ctx.errors.append(f"verify: {type(e).__name__}: {str(e)[:300]}")
            return unverified(candidates, f"verification failed: {type(e).__name__}"), None

    async def _select(self, ctx: "StepContext", candidates: list[Candidate], verdicts: list[Verdict]) -> Selection:
        try:
            return await self.strategy.select(ctx, candidates, verdicts)
        except BudgetExceeded as e:  # a judge the budget cannot pay for: the verifier's scores decide
            ctx.errors.append(f"budget: {e}; selected by verifier score")
            sel = await BestScore().select(ctx, candidates, verdicts)
            sel.reason = f"{getattr(self.strategy, 'name', '?')} unaffordable ({e}); {sel.reason}"
            return sel

    def _update_best(self, ctx: "StepContext", candidates: list[Candidate], verdicts: list[Verdict],
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


def _refused(ctx: "StepContext", e: BudgetExceeded, why: str) -> None:
    """Sampling was refused. By the stage's or the run's budget: the step stops (`ctx.out_of_budget`).
    By the step's own slice (`step_budget`) after it paid for something: only this step's sampling
    ends. By a fresh step slice: it cannot pay for one request, so no step ever could: stop."""
    step_cap = ctx.tracker is not ctx.stage_tracker and getattr(e, "scope", None) == ctx.tracker.path
    if step_cap and not ctx.tracker.spent.is_zero():
        ctx.errors.append(f"budget: {why}")
    elif step_cap:
        ctx.out_of_budget = f"the step budget cannot pay for one request ({e})"
    else:
        ctx.out_of_budget = why


def unverified(candidates: list[Candidate], why: str) -> list[Verdict]:
    return [Verdict(candidate_id=c.id, score=0.0, passed=None, uncertainty=1.0, feedback=why)
            for c in candidates if c.valid]


class ModelStage(Stage):
    """A stage defined by two functions: `prompt_fn(ctx) -> messages`, `parse_fn(ctx, text) -> content`."""

    def __init__(self, name: str, prompt_fn, parse_fn=None, **kw: Any):
        super().__init__(name, **kw)
        self._prompt_fn, self._parse_fn = prompt_fn, parse_fn

    def prompt(self, ctx: "StepContext") -> list[Message]:
        return self._prompt_fn(ctx)

    def parse(self, ctx: "StepContext", request: SampleRequest, text: str) -> Any:
        return self._parse_fn(ctx, text) if self._parse_fn else super().parse(ctx, request, text)
