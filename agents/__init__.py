"""scaleagent: multi-stage agents that scale test-time compute under a budget.

    from agents import Pipeline, ModelStage, Runtime, Task, run
"""
from agents.context import StepContext
from agents.controllers import AcceptController, LLMController, RuleController
from agents.graph import Pipeline, run
from agents.runtime import Runtime
from agents.stage import ModelStage, Stage
from agents.state import Candidate, Decision, RunResult, Selection, StageResult, StepRecord, Task, Verdict
from agents.verifiers import ExecSpec, ExecutionVerifier, JudgeVerifier, ParseVerifier

__all__ = ["AcceptController", "Candidate", "Decision", "ExecSpec", "ExecutionVerifier", "JudgeVerifier",
           "LLMController", "ModelStage", "ParseVerifier", "Pipeline", "RuleController", "RunResult",
           "Runtime", "Selection", "Stage", "StageResult", "StepContext", "StepRecord", "Task", "Verdict", "run"]
