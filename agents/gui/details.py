"""The GUI pipeline's typed verdict details, and the check that gives them: does a proposed action
fit the page it acts on?

Every valid proposal gets a `Verdict` whose details are an `ActionDetails` (kind `gui.action`): the
element line it names, whether it fits (and why not), how many of the step's samples proposed it,
and — filled in by the selection — whether the judge picked it, the judge's reason, and whether the
judge said the episode is lost. The controller reads `lost` from the winner's verdict.

What does not fit, read from the numbered snapshot without touching the browser: an element the page
does not list; `type` into something that is not a text field, or the text the field already holds;
`choose` on an element that is not a dropdown, or an option it does not have; the same action as the
previous one when that one changed nothing on the page; more generally (`known`, from
`agents.gui.loops`), an action the episode already did on this same page, which changed nothing or
would go round a loop (A, B, A, B between no-op actions). The vote and the judge only see the
proposals that fit (all of them when none does, so the model then sees the error)."""
from __future__ import annotations

import re
from collections import Counter
from typing import Any

from agents.state import Candidate, Details, Verdict
from tools.browser.actions import render

NOT_TEXT = {"label", "button", "a", "select", "option", "span", "div", "li", "p", "h1", "h2", "h3", "td", "img"}
NOT_TEXT_TYPES = {"checkbox", "radio", "button", "submit", "reset", "range", "color", "file", "image"}


class ActionDetails(Details):
    """One proposed action, checked against the page and then voted on / judged."""

    kind: str = "gui.action"
    action: str = ""                   # rendered, e.g. click(3)
    element: str = ""                  # the page line of the element it names ('' if none)
    fits: bool = True
    problem: str | None = None         # why it does not fit the page
    votes: int = 0                     # how many samples of this step proposed it
    judged: bool = False               # the judge chose it
    judge_reason: str = ""
    lost: bool = False                 # the judge said the episode is already lost


def element_line(page: str, ident: Any) -> str | None:
    for line in str(page or "").splitlines():
        if line.startswith(f"[{ident}] "):
            return line
    return None


def _tag(line: str) -> tuple[str, str]:
    """(tag, input type) of a snapshot line like `[5] input type=text value=""`."""
    parts = line.split()
    tag = parts[1] if len(parts) > 1 else ""
    m = re.search(r"\btype=(\S+)", line)
    return tag, (m.group(1) if m else "")


def problem(action: dict[str, Any], page: str, previous: dict[str, Any] | None, unchanged: bool,
            known: dict[str, str] | None = None) -> str | None:
    """Why `action` cannot do anything useful on `page` (None: it fits). `previous` is the episode's
    last action, `unchanged` whether it left the page as it was; `known` maps a rendered action the
    episode already did on this page to why doing it again is useless (`agents.gui.loops.known`)."""
    if previous is not None and unchanged and action == previous and action["action"] != "done":
        return f"{render(action)} is the previous action again, and that one changed nothing on the page"
    if known and render(action) in known:
        return known[render(action)]
    if "id" not in action:
        return None
    line = element_line(page, action["id"])
    if line is None:
        return f"there is no element [{action['id']}] on the page"
    tag, kind = _tag(line)
    if action["action"] == "type":
        if tag in NOT_TEXT or (tag == "input" and kind in NOT_TEXT_TYPES):
            return f"element [{action['id']}] is a {tag}{' ' + kind if kind else ''}, not a text field"
        if f'value="{action["text"]}"' in line:
            return f"element [{action['id']}] already holds {action['text']!r}"
    if action["action"] == "choose":
        if tag != "select":
            return f"element [{action['id']}] is a {tag}, not a dropdown: click it instead"
        m = re.search(r"\boptions=(.*)$", line)
        options = [o.strip().lower() for o in (m.group(1).split("|") if m else [])]
        if options and action["text"].strip().lower() not in options:
            return f"element [{action['id']}] has no option {action['text']!r}"
    return None


def verdicts(candidates: list[Candidate], page: str, previous: dict[str, Any] | None,
             unchanged: bool, known: dict[str, str] | None = None) -> list[Verdict]:
    """One verdict per valid candidate: score 1 when it fits the page, 0 when it does not."""
    valid = [c for c in candidates if c.valid]
    counts = Counter(c.key for c in valid)
    out = []
    for c in valid:
        why = problem(c.content, page, previous, unchanged, known)
        line = element_line(page, c.content["id"]) if "id" in c.content else ""
        out.append(Verdict(candidate_id=c.id, score=0.0 if why else 1.0, passed=why is None, feedback=why or "",
                           details=ActionDetails(action=render(c.content), element=line or "", fits=why is None,
                                                 problem=why, votes=counts[c.key])))
    return out


def of(verdict: Verdict | None) -> ActionDetails | None:
    d = getattr(verdict, "details", None)
    return d if isinstance(d, ActionDetails) else None
