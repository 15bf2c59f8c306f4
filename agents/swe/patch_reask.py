"""A second turn for a patch reply that is no edit of the code: the model is shown why its reply
could not be used and asked once more, in the same conversation.

Why: of the 1.5B model's patch replies on the example suite's test split, about a third were no
edit (e.g. the best-of-N 8k cell of 2026-12-07: 12 of 38; 6 of them the file copied unchanged
after a diagnosis naming a change, 5 the issue's example written back instead of the file). Such a
reply is a spent sample; a follow-up that quotes the problem costs one call whose prefix (the
prompt and the reply) a prompt cache already holds.

Measured (test split, 1.5B, best-of-N K=4 at 8k, seed 0, follow-ups asked right after the reply, 89d6ae8):
6 follow-ups: the 4 after a file copied unchanged copied it unchanged again, the 2 after code that did not
parse or an example written back were edits (neither resolving), while 26 of the 38 fresh samples of the
same cell before were edits; the follow-ups took budget from the samples after them and the cell resolved 2/12
against 4/12. So `Patch.reask` is 0 by default (a plan turns it on: `patch: {settings: {reask: 1}}`), and
the engine samples follow-ups after all of a step's requests, from what they left.
"""
from __future__ import annotations

import re
from typing import Any

from agents.models.base import Message
from agents.state import Candidate, SampleRequest

__all__ = ["reask_note", "reask_request"]

_SHORT = re.compile(r"rewrite has (\d+) lines where the file has (\d+)")


def reask_note(error: str, plan: dict[str, Any]) -> str | None:
    """What the model is told about its unusable reply (None: an error a second turn cannot address, such
    as the localized function missing from the file, or one it is not known to, such as a SEARCH/REPLACE
    block naming no known file)."""
    rel, function, fmt = plan["file"], plan.get("function"), plan["format"]
    if fmt == "search_replace":
        again = f"Reply with SEARCH/REPLACE blocks for {rel}."
    elif fmt == "function" and function:
        again = f"Reply with the complete corrected `{function.split('.')[-1]}` in one ```python block."
    else:
        again = f"Reply with the complete corrected file {rel} in one ```python block."
    if "changes nothing" in error:
        return (f"Your reply leaves {rel} exactly as it was: it does not make the change you described. "
                f"Make that change. {again}")
    short = _SHORT.search(error)
    if short:
        return (f"Your code block has {short[1]} lines but {rel} has {short[2]}: it is not the whole file (the "
                f"issue's example code is not the file). {again}")
    if "no code block" in error or "no SEARCH/REPLACE block" in error:
        return f"Your reply has no code to apply. {again}"
    if "does not parse" in error or "no definition of" in error or "redefines none" in error \
            or "does not apply" in error or "SEARCH text" in error:
        return f"Your reply could not be applied: {error.removeprefix('EditError: ')}. {again}"
    return None


def reask_request(request: SampleRequest, candidate: Candidate) -> SampleRequest | None:
    """The follow-up call for `candidate`, a reply of `request` that could not be used: the same
    conversation, the reply, the note; one greedy answer with the request's output cap."""
    if candidate.error is None or not candidate.text.strip() or not isinstance(request.plan, dict):
        return None
    note = reask_note(candidate.error, request.plan)
    if note is None:
        return None
    messages: list[Message] = [*request.messages, {"role": "assistant", "content": candidate.text},
                               {"role": "user", "content": note}]
    params = request.params.model_copy(update={"n": 1, "temperature": 0.0})
    return SampleRequest(messages=messages, params=params, plan=request.plan, model=request.model,
                         purpose=request.purpose)
