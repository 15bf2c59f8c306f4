"""What the GUI agent and its judge read: the task's instruction, the numbered page snapshot, the
episode's actions so far with what each did, lessons from earlier episodes, and the budget left."""
from __future__ import annotations

from typing import Any

from tools.browser.actions import render as render_action

SYSTEM = (
    "You operate a web page to complete a task. The page's elements are listed with numbers in brackets. "
    "Reply with exactly one JSON action:\n"
    '{"action": "click", "id": N}\n'
    '{"action": "type", "id": N, "text": "..."}   (fills a text field)\n'
    '{"action": "choose", "id": N, "text": "option"}   (only for a dropdown: a select element)\n'
    '{"action": "press", "text": "enter"}\n'
    '{"action": "scroll", "text": "down"}\n'
    '{"action": "done"}   (only when the task is complete)\n'
    "Click buttons, links, checkboxes, radio buttons and tabs; type only into input or textarea fields.")

JUDGE_SYSTEM = "You are a careful judge of web actions. Answer with JSON only."
LETTERS = tuple("ABCDEFGHIJKL")


def judge_schema(n: int) -> dict[str, Any]:
    """The judge's answer: its reason first (so it reasons before it chooses), then a letter, then lost."""
    return {"type": "object", "properties": {"reason": {"type": "string", "maxLength": 160},
                                             "best": {"type": "string", "enum": list(LETTERS[:n])},
                                             "lost": {"type": "boolean"}},
            "required": ["reason", "best", "lost"]}


def history_lines(episode: list[tuple[Any, dict[str, Any] | None]]) -> list[str]:
    lines = []
    for cand, obs in episode:
        if cand is None or cand.content is None:
            lines.append("- (no valid action)")
            continue
        what = (obs or {}).get("error") or ("the task ended" if (obs or {}).get("done") else "ok")
        lines.append(f"- {render_action(cand.content)} -> {what}")
    return lines


def lessons(memo: dict[str, Any]) -> str:
    failed = memo.get("failed_episodes") or []
    if not failed:
        return ""
    items = "; ".join(f"[{', '.join(e['actions']) or 'no action'}] ended: {e['why']}" for e in failed[-2:])
    return f"\nEarlier attempts that failed (do something different): {items}"


def page_block(obs: dict[str, Any]) -> str:
    return f"Task: {obs.get('instruction', '')}\nPage elements:\n{obs.get('page', '(unknown)')}"


def act_messages(obs: dict[str, Any], episode: list, memo: dict[str, Any], budget: str,
                 useless: str = "") -> list[dict[str, str]]:
    """`useless`: the line naming the actions already tried on this page that changed nothing or loop."""
    done = "\n".join(history_lines(episode)) or "- nothing yet"
    useless = f"\n{useless}" if useless else ""
    return [{"role": "system", "content": SYSTEM},
            {"role": "user", "content": f"{page_block(obs)}\nActions so far:\n{done}{useless}{lessons(memo)}\n"
                                        f"Budget left: {budget}\nYour next action (JSON):"}]


def element_line(obs: dict[str, Any], action: dict[str, Any]) -> str:
    """The page line of the element an action names ('' when it names none, '(missing)' if absent)."""
    if "id" not in action:
        return ""
    for line in str(obs.get("page", "")).splitlines():
        if line.startswith(f"[{action['id']}] "):
            return line
    return "(no such element)"


def judge_messages(obs: dict[str, Any], episode: list, options: list[tuple[dict[str, Any], int]]) -> list[dict[str, str]]:
    done = "\n".join(history_lines(episode)) or "- nothing yet"
    listing = "\n".join(f"{LETTERS[i]}: {render_action(a)}  on {element_line(obs, a) or 'the page'}  "
                        f"({n} vote{'s' if n != 1 else ''})" for i, (a, n) in enumerate(options))
    return [{"role": "system", "content": JUDGE_SYSTEM},
            {"role": "user", "content": f"{page_block(obs)}\nActions so far:\n{done}\n\nCandidate next actions:\n"
                                        f"{listing}\n\nWhich candidate does what the task asks next? Reason in one short sentence "
                                        "about the task and the element, then give its letter. "
                                        'Set "lost" to true only if the actions so far already ruined the task. '
                                        'Reply as JSON: {"reason": "<short>", "best": "<letter>", "lost": false}'}]
