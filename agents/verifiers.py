"""Verifiers score candidates: by sandboxed execution or by a judge model.

`Verifier.verify(ctx, candidates) -> list[Verdict]` (one verdict per valid candidate, protocol in
`agents.protocols`). Execution goes through the one charged path (`sandboxes.execution`): each run
is reserved as a `run_tests` tool call before it starts; a run the budget cannot pay for gets an
unverified verdict (score 0, uncertainty 1) instead of stopping the others.
"""
from __future__ import annotations

import asyncio
import json
import re
import statistics
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from budgets import BudgetExceeded

from agents.models.base import GenerationParams
from agents.protocols import Verifier
from agents.state import Candidate, Details, Verdict

if TYPE_CHECKING:
    from sandboxes import ExecResult

    from agents.context import StepContext

__all__ = ["Verifier", "ParseVerifier", "ExecSpec", "ExecutionVerifier", "JudgeVerifier", "default_judge"]


class ParseVerifier:
    """No verification beyond parsing: valid candidates score 1, others 0."""

    async def verify(self, ctx: "StepContext", candidates: list[Candidate]) -> list[Verdict]:
        return [Verdict(candidate_id=c.id, score=1.0, passed=True) for c in candidates if c.valid]


class ExecSpec(BaseModel):
    """What to run for one candidate: files to write into a fresh workspace, then a command."""

    files: dict[str, str]
    command: str
    timeout: float = 30.0


class ExecutionVerifier:
    """Run every valid candidate in its own workspace and sandbox, concurrently (the execution path
    bounds it to one run per core).

    `build(ctx, candidate) -> ExecSpec`; `judge(ctx, candidate, result) -> Verdict` turns the sandbox
    result into a verdict (default: passed iff exit code 0, feedback = the tail of the output).
    """

    def __init__(self, build: Callable[["StepContext", Candidate], ExecSpec],
                 judge: Callable[["StepContext", Candidate, "ExecResult"], Verdict] | None = None):
        self.build, self.judge = build, judge or default_judge

    async def verify(self, ctx: "StepContext", candidates: list[Candidate]) -> list[Verdict]:
        valid = [c for c in candidates if c.valid]
        return list(await asyncio.gather(*(self._one(ctx, c) for c in valid)))

    async def _one(self, ctx: "StepContext", cand: Candidate) -> Verdict:
        from sandboxes.execution import ExecJob, execute_async

        spec = self.build(ctx, cand)
        try:
            out = await execute_async(ExecJob(files=spec.files, command=spec.command, timeout=spec.timeout),
                                      backend=ctx.runtime.sandbox_backend, charger=ctx.tracker)
        except BudgetExceeded as e:
            return Verdict(candidate_id=cand.id, score=0.0, passed=None, uncertainty=1.0, feedback=f"not verified: {e}")
        return self.judge(ctx, cand, out.result)


def default_judge(ctx: "StepContext", cand: Candidate, result: "ExecResult") -> Verdict:
    out = (result.stdout + "\n" + result.stderr).strip()
    status = "timed out" if result.timed_out else f"exit code {result.exit_code}"
    return Verdict(candidate_id=cand.id, score=1.0 if result.ok else 0.0, passed=result.ok,
                   feedback=f"{status}\n{out[-1500:]}",
                   details=Details(exit_code=result.exit_code, duration_s=result.duration_s))


class JudgeVerifier(BaseModel):
    """A judge model scores each candidate 0-10 (`samples` times; the spread is the uncertainty)."""

    model: str | None = None
    rubric: str = "Is it correct and complete?"
    samples: int = 1
    max_chars: int = 3000

    def __init__(self, model: str | None = None, **kw: Any):
        super().__init__(model=model, **kw)

    async def verify(self, ctx: "StepContext", candidates: list[Candidate]) -> list[Verdict]:
        verdicts = []
        for c in candidates:
            if not c.valid:
                continue
            msgs = [{"role": "system", "content": "You grade answers strictly. Reply with JSON only."},
                    {"role": "user", "content": f"Task:\n{ctx.task_text()}\n\nAnswer:\n{str(c.content)[: self.max_chars]}"
                                                f"\n\n{self.rubric} Reply as JSON: " + '{"score": 0-10, "reason": "<short>"}'}]
            try:
                texts = await ctx.generate(msgs, GenerationParams(n=self.samples, max_tokens=128, temperature=0.0
                                           if self.samples == 1 else 0.7, json_schema=_SCHEMA),
                                           model=self.model, purpose="judge")
            except BudgetExceeded as e:
                verdicts.append(Verdict(candidate_id=c.id, score=0.0, uncertainty=1.0, feedback=f"not judged: {e}"))
                continue
            scores, reasons = [], []
            for t in texts:
                s, r = _parse_score(t)
                if s is not None:
                    scores.append(s / 10)
                    reasons.append(r)
            if not scores:
                verdicts.append(Verdict(candidate_id=c.id, score=0.0, uncertainty=1.0, feedback="judge gave no score"))
                continue
            spread = statistics.pstdev(scores) if len(scores) > 1 else (0.5 if self.samples == 1 else 0.0)
            verdicts.append(Verdict(candidate_id=c.id, score=statistics.mean(scores), uncertainty=spread,
                                    feedback="; ".join(r for r in reasons if r)[:1000]))
        return verdicts


_SCHEMA = {"type": "object", "properties": {"score": {"type": "integer", "minimum": 0, "maximum": 10},
                                            "reason": {"type": "string"}}, "required": ["score"]}


def _parse_score(text: str) -> tuple[float | None, str]:
    try:
        data: Any = json.loads(text)
        return float(min(10, max(0, data["score"]))), str(data.get("reason", ""))
    except (ValueError, KeyError, TypeError):
        m = re.search(r"\b(10|[0-9])\b", text)
        return (float(m.group()) if m else None), ""
