"""What the model reads: the budget block (BATS's budget tracker), the plan, act and answer prompts.

With `tracker` off (the budget-unaware baseline) no prompt shows the budget and the plan is not sized
to it; the budget still binds (the engine refuses what it cannot pay)."""
from __future__ import annotations

import re
from typing import Any, Sequence

from agents.web.answer_type import MAX_ANSWER_WORDS
from tools.web.index import DEFAULT_NAME
from tools.web.tools import TOOLS

DEFAULT_CORPUS = DEFAULT_NAME


def system(corpus: str = DEFAULT_CORPUS) -> str:
    """The system prompt of the plan and act steps; `corpus` says what is searched ("the web", "the
    documents in notes", the name given to `scaleagent web index --name`)."""
    return (f"You answer questions about {corpus} by searching it. Tools: "
            "search(query) lists pages; open(url) shows the parts of a page that match the question; "
            "find(url, text) shows where a text occurs on a page. Reply with one JSON object only.")


def tool_usage(tracker: Any) -> dict[str, tuple[int, int | None]]:
    """Per tool: (calls used, calls left or None when uncapped), at the tightest level."""
    binding = tracker.binding()
    root = tracker
    while root.parent is not None:
        root = root.parent
    out = {}
    for tool in TOOLS:
        used = root.spent.tools.get(tool, 0)
        left = binding[tool][1]["left"] if tool in binding else None
        out[tool] = (used, left)
    return out


# a piece of `budget_block`'s text ("budget 0 used, 5 left", "$0.0000 spent", "no cap")
_BLOCK_PIECE = re.compile(r"\$\s?\d|\b\d+s? (?:used|left)\b|\bno cap\b", re.I)


def copies_budget_block(text: str) -> bool:
    """`text` holds a piece of the budget block: the 0.5B copies it as a search query (dev: pythonpath's
    plan, 3 of its 4 queries in every round)."""
    return bool(_BLOCK_PIECE.search(text))


def budget_block(tracker: Any) -> str:
    """E.g. `Budget: search 1 used, 2 left | open 0 used, 3 left | find 0 used, no cap | tokens 812 used,
    19188 left | $0.0050 spent | 14s used, 286s left`. Without a time cap there is no time piece, and
    without a token cap no "left" for tokens: a dev answer copied the block's `time no cap` as
    `time.no cap`."""
    parts = []
    for tool, (used, left) in tool_usage(tracker).items():
        parts.append(f"{tool} {used} used, {left} left" if left is not None else f"{tool} {used} used, no cap")
    root = tracker
    while root.parent is not None:
        root = root.parent
    rem = tracker.remaining()
    spent = root.spent
    tok = f"tokens {spent.tokens} used" + (f", {rem['tokens']} left" if "tokens" in rem else "")
    usd = f"${spent.usd:.4f} spent" + (f" of ${tracker.binding()['usd'][0]:.4f}" if "usd" in rem else "")
    # seconds used only under a time cap: uncapped, they would make the same run's prompts differ
    # from one machine load to the next (and greedy answers with them)
    secs = [f"{root.elapsed():.0f}s used, {rem['wall_seconds']:.0f}s left"] if "wall_seconds" in rem else []
    return "Budget: " + " | ".join(parts + [tok, usd] + secs)


def plan_prompt(question: str, block: str | None, n: int, corpus: str = DEFAULT_CORPUS) -> list[dict[str, str]]:
    budget = f"\n{block}\nPlan only as many searches as the budget allows." if block else ""
    return [{"role": "system", "content": system(corpus)},
            {"role": "user", "content": f"Question: {question}{budget}\nWrite up to {n} short search queries "
             "for this question, the most promising first, made of the names and words the question uses "
             '(never a guessed answer), as {"queries": ["...", "..."]}.'}]


def budget_advice(left: dict[str, int | None], evidence: int, unopened: int) -> str:
    """The tracker's decision hint from what is left (BATS: dig deeper while calls remain, answer
    before they run out): e.g. `Advice: 1 open call left and 2 unopened results: open the best one.`"""
    searches, opens, finds = left.get("search"), left.get("open"), left.get("find")
    can_open, can_search = opens is None or opens > 0, searches is None or searches > 0
    if unopened and not can_open and (finds is None or finds > 0):
        return (f"Advice: no open call left: find(url, text) on an unopened result shows its paragraph that best "
                f"matches the text ({_calls(finds, 'find')} left).")
    if not evidence:
        if unopened and can_open:
            return f"Advice: no page opened yet and {_calls(opens, 'open')} left: open the best result now."
        if can_search:
            return f"Advice: nothing to open: search ({_calls(searches, 'search')} left)."
        return "Advice: no calls left to find evidence: answer with your best guess."
    if not can_open and not can_search:
        return "Advice: no search or open call left: answer from the evidence now."
    if (opens is not None and opens <= 1) or (searches is not None and searches <= 1):
        return ("Advice: few calls left: if the evidence shows the answer, answer now; otherwise "
                + ("open the best unopened result." if unopened and can_open else "search once more."))
    return (f"Advice: {_calls(searches, 'search')} and {_calls(opens, 'open')} left: answer if the evidence "
            "shows the answer, else dig deeper (open another result) or try a different search.")


def _calls(n: int | None, tool: str) -> str:
    return f"unlimited {tool} calls" if n is None else f"{n} {tool} call{'' if n == 1 else 's'}"


def _evidence_lines(evidence: list[dict[str, Any]], chars: int) -> list[str]:
    return [f"[{i}] {shown(e['url'])} ({e['title']}): {e['text'][:chars]}" for i, e in enumerate(evidence, 1)]


# the local corpus server listens on a loopback port that changes from run to run; shown to the model,
# the port made two runs of one question differ from their first prompt with a page in it (their
# sampled answers then differed too), so the model sees such URLs without their origin: /doc/...
_LOOPBACK = re.compile(r"https?://(?:127(?:\.\d{1,3}){3}|localhost|\[::1\]):\d+(?=/)")


def shown(text: str) -> str:
    """`text` with the origin of every loopback URL left out (the path is what identifies the page)."""
    return _LOOPBACK.sub("", text)


def act_prompt(question: str, checklist: list[str], searched: list[str], results: list[dict[str, str]],
               evidence: list[dict[str, Any]], last: str, block: str | None, pivot: bool,
               corpus: str = DEFAULT_CORPUS) -> list[dict[str, str]]:
    todo = [q for q in checklist if q not in searched]
    lines = [f"Question: {question}"]
    if todo:
        lines.append("Planned searches not done yet: " + "; ".join(todo[:4]))
    if searched:
        lines.append("Searched already: " + "; ".join(searched[-4:]))
    if results:
        lines.append("Last search results (open one by its number):")
        lines += [f"{i}. {r['title']} {shown(r['url'])}" for i, r in enumerate(results, 1)]
    if evidence:
        lines.append("Evidence so far:")
        lines += _evidence_lines(evidence[-2:], 250)
    if last:
        lines.append(f"Last tool result: {shown(last)}")
    if pivot:
        lines.append("The last line of search did not give a verified answer: search for something different.")
    if block:
        lines.append(block)
    lines.append('Next step, one of: {"tool": "search", "input": "<query>"}, {"tool": "open", "input": "<number '
                 'or url>"}, {"tool": "find", "input": "<text>", "url": "<url>"}, {"tool": "answer", "input": '
                 '"<short answer>"} when the evidence shows the answer.')
    return [{"role": "system", "content": system(corpus)}, {"role": "user", "content": "\n".join(lines)}]


def answer_prompt(question: str, evidence: list[dict[str, Any]], draft: str, feedback: str,
                  block: str | None, rejected: Sequence[str] = ()) -> list[dict[str, str]]:
    # the budget leads the prompt: placed right before the instruction, the 0.5B model read it into its answer
    # (dev, 32 first-answer prompts rebuilt from the dev runs and asked again, greedy: 7 right there, 9 with it
    # first, as without it; the same answers but two, both turned right)
    lines = ([block] if block else []) + [f"Question: {question}", "Evidence:"] + _evidence_lines(evidence[-4:], 500)
    if draft:
        lines.append(f"Draft answer: {draft}")
    if feedback:
        lines.append(f"An earlier answer was not verified: {feedback}")
    if rejected:
        lines.append("Answers not verified so far: " + "; ".join(repr(r) for r in rejected[-5:])
                     + ". Give another one unless the evidence states it.")
    lines.append('Answer the question from the evidence as {"answer": "<short answer>", "source": <evidence '
                 f'number>, "quote": "<at most {MAX_ANSWER_WORDS} words copied exactly from that evidence, containing the '
                 'answer>"}.')
    return [{"role": "system", "content": "You answer questions from evidence and cite it exactly. Reply with "
             "one JSON object only."}, {"role": "user", "content": "\n".join(lines)}]


def judge_prompt(question: str, answer: str, quote: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": f"Question: {question}\nProposed answer: {answer}\nEvidence: \"{quote}\"\n"
             "Does the evidence show that the proposed answer is correct? Reply yes or no."}]


def judge_passage_prompt(question: str, answer: str, passage: str) -> list[dict[str, str]]:
    """Asked of `EvidenceVerifier.judge_model`: the page's passage about the question, not the model's quote."""
    return [{"role": "user", "content": f"Question: {question}\nProposed answer: {answer}\nDocumentation: \"{passage}\"\n"
             "According to the documentation, is the proposed answer the correct answer to the question? Reply yes or no."}]


def judge_extract_prompt(question: str, passage: str) -> list[dict[str, str]]:
    """Asked of `EvidenceVerifier.judge_model` for an answer proposed after one was turned down: the
    judge answers from the passage itself, without seeing the proposed answer (`support.agrees`)."""
    return [{"role": "user", "content": f"Documentation: \"{passage}\"\nQuestion: {question}\n"
             "Answer the question from the documentation with only the name or number it asks for."}]
