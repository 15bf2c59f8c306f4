"""No-op actions and loops in a GUI episode, read from the page snapshots the model sees.

A MiniWoB++ page is deterministic given its snapshot (ids, text, values): the same action on the same
page gives the same page again. So the episode's own steps say, before anything runs, what some
proposals would do:
- an action already done on this very page that changed nothing there (or failed there) is a no-op;
- an action already done on this very page that led elsewhere would lead to a page already seen after
  it: the episode has come back to a state it left, so repeating the action goes round a loop
  (A, B, A, B between two pages, or between one page and itself).
`known(...)` names both kinds for the proposals on the current page (they do not vote, see
`agents.gui.details`); `repeated(...)` says, after an action ran, whether its page is one already seen
after the same action (the step's error, so the controller counts it as failed); `noops(...)` lists
what changed nothing on this page, for the prompt.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tools.browser.actions import render


@dataclass(frozen=True)
class Move:
    """One executed action of the episode: the page it acted on and the page it left (1-based `n`)."""

    n: int
    action: str
    before: str
    after: str

    @property
    def noop(self) -> bool:
        """It left the page as it was (an action that failed on the page did too)."""
        return self.after == self.before


def moves(start_page: str, episode: list[tuple[Any, dict[str, Any] | None]]) -> list[Move]:
    """The episode's executed actions (a step without a valid action or without a page is skipped,
    its page unknown: the next step acts on the last page seen)."""
    out: list[Move] = []
    page = str(start_page or "")
    for cand, obs in episode:
        obs = obs or {}
        if "page" not in obs:
            continue
        after = str(obs["page"])
        content = getattr(cand, "content", None)
        if content is not None:
            out.append(Move(len(out) + 1, render(content), page, after))
        page = after
    return out


def known(page: str, history: list[Move]) -> dict[str, str]:
    """For each action already done on `page` (the current page): why doing it again is useless.
    `done` is never in it (it only ends the episode)."""
    out: dict[str, str] = {}
    for m in history:
        if m.before != page or m.action == "done" or m.action in out:
            continue
        if m.noop:
            out[m.action] = f"{m.action} changed nothing on this same page before (action {m.n})"
        else:
            out[m.action] = (f"{m.action} was done on this same page before (action {m.n}) and the page has come back "
                             "since: doing it again goes round a loop")
    return out


def repeated(action: dict[str, Any], before: str, after: str, history: list[Move]) -> str | None:
    """The error of an action that just ran (from `before` to `after`) when its page is one already seen
    after the same action earlier in the episode; None otherwise."""
    name = render(action)
    if name == "done":
        return None
    same = next((m for m in reversed(history) if m.action == name and m.after == after), None)
    if same is None:
        return None
    if after == before:
        return f"{name} again changed nothing on the page (as action {same.n}): try another action"
    return (f"{name} again led to the page it led to at action {same.n}: the episode is going round in a loop; "
            "try another action")


def advice(page: str, history: list[Move]) -> str:
    """The prompt's line about the actions already tried on `page` that are useless to repeat ('' if none)."""
    nothing = noops(page, history)
    circles = [a for a, why in known(page, history).items() if a not in nothing]
    out = []
    if nothing:
        out.append(f"Changed nothing on this page (do not repeat them): {', '.join(nothing)}")
    if circles:
        out.append(f"Lead round a loop back to this page (do not repeat them): {', '.join(circles)}")
    return "\n".join(out)


def noops(page: str, history: list[Move]) -> list[str]:
    """The actions that changed nothing on `page` (or failed there, leaving it as it was), oldest first."""
    out: list[str] = []
    for m in history:
        if m.before == page and m.noop and m.action != "done" and m.action not in out:
            out.append(m.action)
    return out
