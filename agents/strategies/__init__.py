"""Selection strategies, one file each, one protocol (`Strategy.select`)."""
from agents.strategies.base import Strategy
from agents.strategies.best_score import BestScore, Pessimistic
from agents.strategies.first_finish import FirstFinish
from agents.strategies.judge import LLMJudge
from agents.strategies.majority import MajorityVote
from agents.strategies.test_vote import TestVote

STRATEGIES = {"majority": MajorityVote, "best_score": BestScore, "pessimistic": Pessimistic,
              "first_finish": FirstFinish, "judge": LLMJudge, "test_vote": TestVote}

__all__ = ["Strategy", "BestScore", "Pessimistic", "FirstFinish", "LLMJudge", "MajorityVote", "TestVote",
           "STRATEGIES"]
