"""Select: every verified patch of the run competes; vote with the generated tests (CodeMonkeys),
break ties with a judge model. `pessimistic=True` prefers the least uncertain candidate instead.

The judge's prompt starts with the head of the last patch prompt (system message, issue, reproduction
test, code: `agents.swe.patch.prompt_head`), kept in `ctx.memo[LEAD_MEMO]`, so a local model's KV
cache (or vLLM's prefix cache) still holding that prompt reuses its prefill. With no patch prompt to
rebuild (no valid sample, its file gone), the judge asks with its own prompt."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from agents.context import StepContext
from agents.controllers import AcceptController
from agents.stage import Stage
from agents.state import Candidate, Verdict
from agents.strategies import LLMJudge, Pessimistic, TestVote, TieBreak
from agents.strategies.judge import LEAD_MEMO


class Select(Stage):
    name = "select"
    k = 0

    def __init__(self, *, pessimistic: bool = False, judge: bool = True, **kw: Any):
        primary = Pessimistic() if pessimistic else TestVote()
        kw.setdefault("strategy", TieBreak(primary, LLMJudge(criteria="fixing the issue without breaking anything"))
                      if judge else primary)
        kw.setdefault("controller", AcceptController())
        kw.setdefault("verifier", _Recorded())
        super().__init__(**kw)

    async def propose(self, ctx: StepContext) -> list[Candidate]:
        """Every valid patch of the run, once per normalized edit; `meta["votes"]` counts the samples
        that made that edit (test vote uses it to break ties before the judge is asked)."""
        lead = last_patch_head(ctx)
        if lead:
            ctx.memo[LEAD_MEMO] = lead
        else:
            ctx.memo.pop(LEAD_MEMO, None)
        seen: dict[str, Candidate] = {}
        votes: dict[str, int] = {}
        for rec in ctx.history_of("patch"):
            for c in rec.candidates:
                if not c.valid:
                    continue
                key = c.key or c.text
                votes[key] = votes.get(key, 0) + 1
                seen.setdefault(key, c)
        return [c.model_copy(update={"meta": {**c.meta, "votes": votes[key]}}) for key, c in seen.items()]


def last_patch_head(ctx: StepContext) -> list[dict[str, str]] | None:
    """The head of the patch stage's last prompt: for the file (or function) of its last step's last
    valid sample, sampled (not the greedy plain prompt: with K >= 2 per target the last call is a
    sampled one), with the tests distrusted before that step. None when it cannot be rebuilt."""
    from agents.swe.patch import prompt_head
    from tools.repo import symbols

    records = ctx.history_of("patch")
    samples = [c.content for c in (records[-1].candidates if records else [])
               if c.valid and c.source == "model" and isinstance(c.content, dict) and c.content.get("file")]
    if not samples:
        return None
    content = samples[-1]
    rel, fmt, function = content["file"], content.get("format") or "file", content.get("function")
    try:
        source = (Path(ctx.task.input["workdir"]) / rel).read_text(errors="replace")
    except (KeyError, OSError, TypeError):
        return None
    code = source
    if fmt == "function" and function:
        sym = next((s for s in symbols(source) if s.name == function), None)
        if sym is None:
            return None
        code = sym.text(source)
    doubted = {t for rec in records[:-1] for v in rec.verdicts for t in getattr(v.details, "distrusted", ())}
    return prompt_head(ctx, {"file": rel, "function": function, "format": fmt, "source": source, "code": code},
                       doubted=doubted)



class _Recorded:
    """Reuse the verdicts the patch stage already computed (no re-running)."""

    async def verify(self, ctx: StepContext, candidates: list[Candidate]) -> list[Verdict]:
        wanted = {c.id for c in candidates}
        out = {}
        for rec in ctx.history_of("patch"):
            for v in rec.verdicts:
                if v.candidate_id in wanted:
                    out[v.candidate_id] = v
        return list(out.values())
