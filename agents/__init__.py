"""scaleagent: multi-stage agents that scale test-time compute under a budget.

    from agents import Pipeline, ModelStage, Runtime, Task, run

Names are imported on first use, so `scaleagent --help` and error paths do not pay for LangGraph.
"""
from importlib import import_module
from typing import Any

_EXPORTS = {
    "StepContext": "agents.context", "AcceptController": "agents.controllers", "LLMController": "agents.controllers",
    "RuleController": "agents.controllers", "EpisodeController": "agents.controllers", "Pipeline": "agents.graph", "run": "agents.graph",
    "Runtime": "agents.runtime", "ModelStage": "agents.stage", "Stage": "agents.stage",
    "Candidate": "agents.state", "SampleRequest": "agents.state", "Details": "agents.state",
    "TestOutcome": "agents.state", "Decision": "agents.state", "RunResult": "agents.state", "Selection": "agents.state",
    "StageResult": "agents.state", "StepRecord": "agents.state", "Task": "agents.state", "Verdict": "agents.state",
    "ExecSpec": "agents.verifiers", "ExecutionVerifier": "agents.verifiers", "JudgeVerifier": "agents.verifiers",
    "ParseVerifier": "agents.verifiers",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'agents' has no attribute {name!r}")
