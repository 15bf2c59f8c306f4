"""Typed verdict details of the web pipeline."""
from __future__ import annotations

from agents.state import Details


class WebDetails(Details):
    kind: str = "web"
    action: str = ""                # search | open | find | answer
    source: str | None = None       # the URL an answer cites
    quote_found: bool | None = None  # the quoted span occurs in the cited page's text (exact, normalized)
    answer_in_evidence: bool | None = None  # the answer occurs in the quote or the cited page
    judge: bool | None = None       # the judge model said the quote supports the answer (None: not asked)
    passage: bool | None = None     # the quote failed; the page's best passage for the question holds the answer
    disputed: str | None = None     # verified, but the judge model's own answer from the passage names this instead
