"""Selection by voting with model-generated tests (CodeMonkeys).

Each verdict carries `details["tests"] = {test_id: passed}` from running the candidate against the
generated tests. A candidate's score is the fraction of tests it passes; ties are broken by how many
other candidates share its exact pass/fail pattern (behavioural agreement), then by how many samples
made the same edit (`meta["votes"]`, default 1), then by finish order.

Optional, for tests that can fail in more than one way: `details["partial"] = {test_id: credit}`
counts a failing test as `credit` (0..1) of a pass (a test that now fails differently from before
the change), and `details["signatures"] = {test_id: str}` says what the test saw, so that only
candidates that make the tests see the same thing agree (clustering by behaviour, not by bit)."""
from __future__ import annotations

from collections import Counter

from agents.state import Candidate, Selection, Verdict
from agents.strategies.base import rank_by, verdict_map


class TestVote:
    name = "test_vote"
    __test__ = False  # not a pytest test class

    async def select(self, candidates: list[Candidate], verdicts: list[Verdict], ctx=None) -> Selection:
        vm = verdict_map(verdicts)
        patterns: dict[str, tuple] = {}
        passed: dict[str, float] = {}
        for c in candidates:
            details = vm[c.id].details if c.id in vm else {}
            tests, partial, sigs = details.get("tests", {}), details.get("partial", {}), details.get("signatures", {})
            patterns[c.id] = tuple(sorted((t, sigs.get(t, ok)) for t, ok in tests.items()))
            credit = [1.0 if ok else min(1.0, max(0.0, float(partial.get(t, 0.0)))) for t, ok in tests.items()]
            passed[c.id] = (sum(credit) / len(credit)) if credit else 0.0
        # a candidate stands for `meta["votes"]` samples that made the same (normalized) edit
        votes = {c.id: max(1, int(c.meta.get("votes", 1))) for c in candidates}
        agree: Counter = Counter()
        for c in candidates:
            if c.valid:
                agree[patterns[c.id]] += votes[c.id]
        n = max(1, sum(votes.values()))
        # agreement adds under half of the smallest gap between two pass fractions, so it only breaks
        # ties in pass fraction; the candidate's own votes add less than one step of agreement, so
        # they only break ties in that
        levels = sorted(set(passed.values()))
        gap = min((b - a for a, b in zip(levels, levels[1:])), default=1.0)
        scores = {cid: passed[cid] + gap * 0.5 * (agree[patterns[cid]] / n + 0.5 * votes[cid] / (n * n))
                  for cid in patterns}
        best = max(passed.values(), default=0.0)
        return rank_by(candidates, scores, strategy=self.name,
                       reason=f"passes {best:.0%} of generated tests; ties broken by agreement")
