"""An LLM judge picks the best candidate (GTA1-style): shows all candidates, asks for an index.

Prompt order, for prompt-prefix reuse (a local model keeps the KV cache of a shared prefix, a vLLM
server its prefix cache): what stays the same comes first. Without a lead, the system message holds
the instructions (the same for every call of one judge) and the task; the user message lists the
candidates in their order, each once, and ends with the short question. So two judge calls on one
task share everything up to the first candidate that differs. A stage that wants its judge to share
the prefix of its own generation prompt (the issue, the code) stores those leading messages in
`ctx.memo[LEAD_MEMO]` (JSON-able, so checkpointed): the judge's prompt then starts with exactly
them and adds one user message with its instructions, the task-less listing and the question.

`swap=True` asks a second time with the candidates listed in reverse order (the position-swap check of
LLM-as-a-judge work) and keeps the pick only when both orders name the same candidate; a pick that
moves with the order falls back to the verifier scores. Why: in the SWE select stage's 8 recorded ties
on the dev split the 1.5B judge picked the candidate listed last 7 times. The second call is made when
the budget left pays for it (a tie's check is worth less than a patch sample, so nothing is reserved
for it); otherwise the first pick stands and the reason says it was not checked.
"""
from __future__ import annotations

import json
import re
from typing import ClassVar

from agents.models.base import GenerationParams
from budgets import BudgetExceeded
from agents.state import Candidate, Selection, Verdict
from agents.strategies.base import StrategyBase, rank_by, verdict_map

LEAD_MEMO = "shared_prompt"  # ctx.memo key: the messages a judge prompt starts with
_SCHEMA = {"type": "object", "properties": {"best": {"type": "integer"}, "reason": {"type": "string"}},
           "required": ["best"]}


class LLMJudge(StrategyBase):
    """Ask `model` (default: the stage's model) which candidate is best. Votes over `samples` judge
    samples; falls back to verifier scores when the judge answers nothing usable."""

    name: ClassVar[str] = "judge"
    model: str | None = None
    samples: int = 1
    criteria: str = "correctness"
    max_chars: int = 2000
    swap: bool = False  # ask again in reverse order; a pick that moves with the order is no pick

    async def select(self, ctx, candidates: list[Candidate], verdicts: list[Verdict]) -> Selection:
        valid = [c for c in candidates if c.valid]
        vm = verdict_map(verdicts)
        base = {c.id: vm[c.id].score if c.id in vm else 0.0 for c in candidates}
        if len(valid) <= 1:
            return rank_by(candidates, base, strategy=self.name, reason="one valid candidate; no judging needed")
        votes = await self._votes(ctx, valid, vm)
        if not votes:
            return rank_by(candidates, base, strategy=self.name, reason="judge gave no usable answer; used verifier scores")
        pick, checked = _mode(votes), ""
        if self.swap:
            try:  # indexes of the reversed listing, mapped back to the first listing's
                again = [len(valid) - 1 - i for i in await self._votes(ctx, valid[::-1], vm)]
            except BudgetExceeded:
                again, checked = [], "; order not checked: no budget left for a second call"
            if again and _mode(again) != pick:
                return rank_by(candidates, base, strategy=self.name, reason=(
                    f"judge picked candidate {pick}, then candidate {_mode(again)} with the order reversed; "
                    "used verifier scores"))
            checked = checked or ("; the same pick with the order reversed" if again else
                                  "; order not checked: no usable answer the second time")
            votes += again
        scores = dict(base)
        for i in votes:
            scores[valid[i].id] = scores.get(valid[i].id, 0.0) + 1.0
        return rank_by(candidates, scores, strategy=self.name,
                       reason=f"judge picked candidate {pick} ({len(votes)} judge votes){checked}")

    async def _votes(self, ctx, valid: list[Candidate], vm: dict[str, Verdict]) -> list[int]:
        """The judge's picks (indexes into `valid`) over `samples` answers to one listing of `valid`."""
        listing = "\n\n".join(
            f"### Candidate {i}\n{str(c.content)[: self.max_chars]}"
            + (f"\n(verifier: {vm[c.id].feedback[:300]})" if c.id in vm and vm[c.id].feedback else "")
            for i, c in enumerate(valid))
        texts = await ctx.generate(self.messages(ctx, listing), GenerationParams(
            n=self.samples, max_tokens=128, temperature=0.0 if self.samples == 1 else 0.7, json_schema=_SCHEMA),
            model=self.model, purpose="judge")
        return [i for i in (_parse_index(t, len(valid)) for t in texts) if i is not None]


    def instructions(self) -> str:
        return (f"You are a strict judge: you compare candidate answers to a task for {self.criteria} "
                'and answer with JSON only: {"best": <candidate number>, "reason": "<short>"}.')

    def messages(self, ctx, listing: str) -> list[dict]:
        """The judge prompt, what stays the same first (see the module's doc)."""
        question = f"Which candidate is best for {self.criteria}? Reply as JSON."
        lead = ctx.memo.get(LEAD_MEMO) if ctx is not None and isinstance(ctx.memo, dict) else None
        if lead:
            return [*lead, {"role": "user", "content": f"{self.instructions()}\n\n{listing}\n\n{question}"}]
        return [{"role": "system", "content": f"{self.instructions()}\n\nTask:\n{ctx.task_text()}"},
                {"role": "user", "content": f"{listing}\n\n{question}"}]


def _mode(votes: list[int]) -> int:
    """The most common pick; among equally common ones, the one named first."""
    return max(dict.fromkeys(votes), key=votes.count)


def _parse_index(text: str, n: int) -> int | None:
    try:
        value = json.loads(text).get("best")
    except (ValueError, AttributeError):
        m = re.search(r"\d+", text)
        value = int(m.group()) if m else None
    return value if isinstance(value, int) and 0 <= value < n else None
