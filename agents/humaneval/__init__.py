"""HumanEval: test generation → K solutions → sandboxed test voting → refine; graded on the real tests."""
from agents.humaneval.bench import TaskOutcome, grade, run_suite, summarize
from agents.humaneval.data import docstring_examples, load_problems, select
from agents.humaneval.stages import Solve, WriteTests, scaled_pipeline, single_pipeline

__all__ = ["Solve", "TaskOutcome", "WriteTests", "docstring_examples", "grade", "load_problems", "run_suite",
           "scaled_pipeline", "select", "single_pipeline", "summarize"]
