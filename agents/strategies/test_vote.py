"""Selection by voting with model-generated tests (CodeMonkeys).

Each verdict's `details.tests` holds what every generated test said of the candidate
(`agents.state.TestOutcome`). A candidate's score is the share of tests it passes, where a failing
test counts its `credit` (a test that now fails differently from before the change); ties are broken
by how many other candidates share its exact behaviour (each test's `signature` when the verifier
gives one, else pass/fail), then by how many samples made the same edit (`meta["votes"]`, default
1), then by finish order."""
from __future__ import annotations

from collections import Counter
from typing import ClassVar

from agents.state import Candidate, Selection, Verdict
from agents.strategies.base import StrategyBase, rank_by, verdict_map


class TestVote(StrategyBase):
    name: ClassVar[str] = "test_vote"
    __test__: ClassVar[bool] = False  # not a pytest test class

    async def select(self, ctx, candidates: list[Candidate], verdicts: list[Verdict]) -> Selection:
        vm = verdict_map(verdicts)
        patterns: dict[str, tuple] = {}
        passed: dict[str, float] = {}
        for c in candidates:
            tests = vm[c.id].details.tests if c.id in vm else {}
            patterns[c.id] = tuple(sorted((t, o.signature if o.signature is not None else o.passed)
                                          for t, o in tests.items()))
            passed[c.id] = vm[c.id].details.pass_fraction() if c.id in vm else 0.0
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
