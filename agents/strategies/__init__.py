"""Selection strategies (`select(ctx, candidates, verdicts)`) and aggregators (`aggregate(ctx, samples)`),
one file each; the protocols are in `agents.protocols`."""
from agents.strategies.aggregate import BordaMerge, UnionMerge
from agents.strategies.base import Strategy
from agents.strategies.best_score import BestScore, Pessimistic
from agents.strategies.first_finish import FirstFinish
from agents.strategies.judge import LLMJudge
from agents.strategies.majority import MajorityVote
from agents.strategies.test_vote import TestVote
from agents.strategies.tiebreak import TieBreak

STRATEGIES = {"majority": MajorityVote, "best_score": BestScore, "pessimistic": Pessimistic,
              "first_finish": FirstFinish, "judge": LLMJudge, "test_vote": TestVote}  # TieBreak composes two
AGGREGATORS = {"borda": BordaMerge, "union": UnionMerge}

__all__ = ["Strategy", "BestScore", "Pessimistic", "FirstFinish", "LLMJudge", "MajorityVote", "TestVote", "TieBreak",
           "BordaMerge", "UnionMerge", "STRATEGIES", "AGGREGATORS"]
