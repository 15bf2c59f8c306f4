"""Registers the `web` pipeline: answer a question by searching a local index (or a SearxNG server)
under a tool-call budget. Budget keys: the tools search, open, find."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from agents.pipelines import PipelineKind, register
from tools.web.tools import TOOLS


def _build(options: dict[str, Any]):
    from agents.web.pipeline import build

    return build(options)


def pick(problem: str | None, source: Path | None) -> dict[str, Any]:
    """`--problem "a question"`, or `--instance QUESTIONS.jsonl --problem ID`."""
    from agents.errors import ConfigError
    from agents.web.questions import load_questions

    if source is not None:
        rows = load_questions(source)
        row = next((r for r in rows if r["id"] == str(problem)), None) if problem else rows[0]
        if row is None:
            raise ConfigError(f"no question with id {problem!r} in {source}")
        return {"task_id": row["id"], "question": row["question"], "answers": row["answers"]}
    if not problem or not problem.strip():
        raise ConfigError('give the question with --problem "..." (or --instance QUESTIONS.jsonl --problem ID)')
    return {"task_id": "question", "question": problem.strip()}


def task(cfg: dict[str, Any], run_dir: Path):
    from agents.errors import ConfigError
    from agents.state import Task

    if not isinstance(cfg.get("question"), str):
        raise ConfigError(f"the run config in {run_dir} has no question")
    return Task(id=str(cfg.get("task_id") or "question"), kind="web", input={"question": cfg["question"]})


def finish(result: Any, cfg: dict[str, Any], run_dir: Path) -> dict[str, Any]:
    from agents.web.pipeline import reason
    from agents.web.questions import is_correct

    ans = result.answer if isinstance(result.answer, dict) else {}
    extra = {"answer": ans.get("answer", ""), "sources": ans.get("sources", []), "verified": ans.get("verified", False),
             "read": bool(ans.get("read")), "reason": reason(result)}
    if isinstance(cfg.get("answers"), list):
        extra["correct"] = is_correct(extra["answer"], cfg["answers"])
        extra["answers_log"] = _answers_log(run_dir, cfg["answers"])
    return extra


def _answers_log(run_dir: Path, gold: list[str]) -> dict[str, int] | None:
    """The verifier's record on this question (agents.web.answer_log); None when the trajectory is damaged."""
    from agents.errors import ConfigError
    from agents.web.answer_log import tally

    try:
        return tally(run_dir, gold)
    except ConfigError:
        return None


def lines(extra: dict[str, Any]) -> list[str]:
    from rich.markup import escape

    out = [f"answer: [bold]{escape(str(extra.get('answer') or '(none)'))}[/]"
           + (" (verified)" if extra.get("verified") else " (the reader's, not verified)" if extra.get("read")
              else " (not verified)")]
    out += [f"source: {escape(s)}" for s in extra.get("sources") or []]
    out.append(f"reason: {escape(str(extra.get('reason', '')))}")
    if "correct" in extra:
        out.append(f"correct: {extra['correct']}")
    return out


def bench_tasks(spec: dict[str, Any]) -> list[dict[str, Any]]:
    from agents.errors import ConfigError
    from agents.web.questions import load_questions

    if spec.get("tasks"):
        return [dict(t) for t in spec["tasks"]]
    if not spec.get("source"):
        raise ConfigError("the web benchmark needs a questions file (JSONL with id, question, answers)")
    return [{"task_id": r["id"], "question": r["question"], "answers": r["answers"]}
            for r in load_questions(Path(spec["source"]))]


def score(result: Any, extra: dict[str, Any]) -> dict[str, Any]:
    return {"success": bool(extra.get("correct")), "answer": extra.get("answer", ""),
            "verified": bool(extra.get("verified")), "read": bool(extra.get("read")), "answers": extra.get("answers_log")}


register(PipelineKind(name="web", build=_build, pick=pick, task=task, finish=finish, lines=lines, tools=TOOLS,
                      bench_tasks=bench_tasks, score=score,
                      help="Web search under a tool budget (BATS): plan, search/open/find, verified answer"))
