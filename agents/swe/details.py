"""The SWE pipeline's typed verdict details, and the normalized key of a patch."""
from __future__ import annotations

from agents.state import Details, TestOutcome


class ReproDetails(Details):
    """A reproduction test file run on the base commit."""

    kind: str = "swe.repro"
    file: str = ""
    failed_tests: list[str] = []            # its tests that failed (as a reproduction should)
    base_failures: dict[str, str] = {}      # test name -> failure signature on the base commit


class PatchDetails(Details):
    """A patch run against the kept reproduction tests and the existing tests that passed before.
    `tests` holds both (the reproduction tests first); a failing reproduction test whose failure
    changed from the base commit's carries `credit` and its new `signature`; when the issue has a runnable
    example, `tests` also holds its pseudo-test (`example_probe.EXAMPLE_TEST`)."""

    kind: str = "swe.patch"
    reproductions: int = 0                  # how many reproduction tests ran
    fixed: int = 0                          # of those, how many pass now
    moved: list[str] = []                   # reproduction tests that fail differently than before
    # the runnable example (agents/swe/example_probe.py) against the base commit: "changed",
    # "same", "crashed" (a new exception or a hang), "none" (no example, or not run: budget, a regression)
    example: str = "none"


def patch_key(patch: str) -> str:
    """What a patch changes, normalized (Agentless): its added and removed lines without comments,
    blank lines or runs of spaces, so two samples that make the same edit count as one, voted twice."""
    out = []
    for line in patch.splitlines():
        if line[:1] not in "+-" or line.startswith(("+++", "---")):
            continue
        code = _strip_comment(line[1:])
        if code:
            out.append(line[0] + " ".join(code.split()))
    return "\n".join(out)


def _strip_comment(code: str) -> str:
    quote = None
    for i, ch in enumerate(code):
        if quote:
            if ch == quote and code[i - 1] != "\\":
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "#":
            return code[:i].strip()
    return code.strip()


__all__ = ["ReproDetails", "PatchDetails", "TestOutcome", "patch_key"]
