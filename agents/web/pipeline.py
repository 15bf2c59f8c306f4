"""The web pipeline: plan → research, decided by the BATS controller with the tracker on and by the
budget-unaware baseline (ReAct: the first answer ends the run) with it off. Its answer is the research
stage's best verified answer; else, when an answer was turned down, the reader's answer from the first page's
best passage (agents.web.reader); else its best unverified answer, else the draft the model proposed while
acting (the best answer so far when the budget ran out)."""
from __future__ import annotations

from typing import Any

from agents.graph import Pipeline
from agents.state import StageResult
from agents.web.control import BatsController, ReactController
from agents.web.env import environment
from agents.web.plan import PlanStage
from agents.web.research import ResearchStage
from agents.web.verify import EvidenceVerifier, cited_source


class WebPipeline(Pipeline):
    def answer(self, results: dict[str, StageResult]) -> dict[str, Any]:
        r = results.get("research")
        best = r.best.content if r and r.best and r.best.content else None
        reading = (r.memo.get("reading") if r else None) or None
        if best and "quote" in best:
            verified = bool(r.verdict and r.verdict.passed)
            if not verified and reading:  # no answer of the run verified: the reader's answer (agents.web.reader)
                return {"answer": reading["answer"], "sources": [reading["source"]], "quote": reading["quote"],
                        "verified": False, "read": True, "unverified_answer": best["answer"]}
            source = cited_source(r.best)  # where its quote is
            return {"answer": best["answer"], "sources": [source] if source else [],
                    "quote": best["quote"], "verified": verified}
        memo = r.memo if r else {}
        evidence = [e["url"] for e in memo.get("evidence") or []]
        return {"answer": memo.get("draft") or "", "sources": list(dict.fromkeys(evidence))[-2:], "quote": "",
                "verified": False}


def build(options: dict[str, Any]) -> WebPipeline:
    tracker = bool(options.get("tracker", True))
    k = int(options.get("k", 2))
    env = environment(options)
    steps = options.get("max_steps")
    steps = int(steps) if steps is not None else None  # None: from the tool caps (control._Limits.steps)
    control = BatsController(max_steps=steps) if tracker else ReactController(max_steps=steps)
    corpus = env.corpus
    return WebPipeline([PlanStage(tracker=tracker, corpus=corpus),
                        ResearchStage(env, k=k, tracker=tracker, corpus=corpus, controller=control,
                                      reanswer_k=int(options.get("reanswer_k", ResearchStage.reanswer_k)),
                                      reader=bool(options.get("reader", True)),
                                      verifier=EvidenceVerifier(judge=bool(options.get("judge", True)),
                                                                judge_model=options.get("judge_model") or None,
                                                                confirm_first=bool(options.get("confirm_first", True))))],
                       name="web")


def reason(result: Any) -> str:
    """Why the run ended: the research stage's last decision (or the plan's when it never ran)."""
    read = result.answer.get("read") if isinstance(result.answer, dict) else False
    note = (f"; no answer verified: the answer is the reader's, from the best passage of {result.answer['sources'][0]} "
            f"(the run's own best was {str(result.answer.get('unverified_answer', ''))[:60]!r})" if read else "")
    for name in ("research", "plan"):
        r = result.stages.get(name)
        if r is not None and r.reason:
            return f"{result.status}: {r.reason}{note}"
    return str(result.status)
