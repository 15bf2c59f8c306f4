"""Selection by voting with model-generated tests (CodeMonkeys).

Each verdict carries `details["tests"] = {test_id: passed}` from running the candidate against the
generated tests. A candidate's score is the fraction of tests it passes; ties are broken by how many
other candidates share its exact pass/fail pattern (behavioural agreement), then by how many samples
made the same edit (`meta["votes"]`, default 1), then by finish order."""
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
            tests = vm[c.id].details.get("tests", {}) if c.id in vm else {}
            patterns[c.id] = tuple(sorted(tests.items()))
            passed[c.id] = (sum(tests.values()) / len(tests)) if tests else 0.0
        # a candidate stands for `meta["votes"]` samples that made the same (normalized) edit
        votes = {c.id: max(1, int(c.meta.get("votes", 1))) for c in candidates}
        agree: Counter = Counter()
        for c in candidates:
            if c.valid:
                agree[patterns[c.id]] += votes[c.id]
        n = max(1, sum(votes.values()))
        # agreement adds < 1/(number of tests + 1), so it only breaks ties in pass fraction; the
        # candidate's own votes add less than one step of agreement, so they only break ties in that
        width = max((len(p) for p in patterns.values()), default=0) + 1
        scores = {cid: passed[cid] + (agree[patterns[cid]] / n) / (width * 2) + (votes[cid] / n) / (width * 2 * n)
                  for cid in patterns}
        best = max(passed.values(), default=0.0)
        return rank_by(candidates, scores, strategy=self.name,
                       reason=f"passes {best:.0%} of generated tests; ties broken by agreement")
