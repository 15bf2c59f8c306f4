"""Selection strategies, one file each, one protocol (`Strategy.select`)."""
from agents.strategies.base import Strategy
from agents.strategies.best_score import BestScore, Pessimistic
from agents.strategies.first_finish import FirstFinish
from agents.strategies.judge import LLMJudge
from agents.strategies.majority import MajorityVote
from agents.strategies.test_vote import TestVote
from agents.strategies.tiebreak import TieBreak

STRATEGIES = {"majority": MajorityVote, "best_score": BestScore, "pessimistic": Pessimistic,
              "first_finish": FirstFinish, "judge": LLMJudge, "test_vote": TestVote}  # TieBreak composes two

__all__ = ["Strategy", "BestScore", "Pessimistic", "FirstFinish", "LLMJudge", "MajorityVote", "TestVote", "TieBreak",
           "STRATEGIES"]
