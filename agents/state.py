"""Public pydantic types of the engine: what flows between stages and into the trajectory."""
from __future__ import annotations

import uuid
from typing import Any, Literal

from pydantic import BaseModel, Field

Mode = Literal["sample", "refine", "pivot"]
Action = Literal["accept", "dig_deeper", "pivot", "stop"]


def new_id(prefix: str = "c") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


class Task(BaseModel):
    """One unit of work: a HumanEval problem, a GitHub issue, a question, a GUI goal."""

    id: str
    kind: str = "generic"
    input: dict[str, Any] = Field(default_factory=dict)
    meta: dict[str, Any] = Field(default_factory=dict)


class Candidate(BaseModel):
    """One sampled proposal (a solution, a patch, a test file, an action, an answer)."""

    id: str = Field(default_factory=new_id)
    content: Any = None          # parsed content; None when parsing failed
    text: str = ""               # raw model output
    key: str | None = None       # normalized answer for voting (majority)
    origin: Mode = "sample"
    parent: str | None = None    # the candidate this one refines
    error: str | None = None     # why it could not be parsed / applied
    output_tokens: int = 0
    finish_order: int = 0        # order in which generation finished (first-finish)
    meta: dict[str, Any] = Field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return self.error is None and self.content is not None


class Verdict(BaseModel):
    """What verification said of one candidate. `score` in [0, 1]; `passed` when it is binary."""

    candidate_id: str
    score: float = 0.0
    passed: bool | None = None
    feedback: str = ""           # shown to the model when digging deeper
    details: dict[str, Any] = Field(default_factory=dict)  # e.g. {"tests": {"t1": true, ...}}
    uncertainty: float | None = None  # for pessimistic selection (higher = less sure)


class Selection(BaseModel):
    strategy: str
    winner: str | None
    ranking: list[str] = Field(default_factory=list)
    scores: dict[str, float] = Field(default_factory=dict)
    reason: str = ""


class Decision(BaseModel):
    action: Action
    reason: str
    target: str | None = None    # stage to go to on pivot (None = this stage)


class StepRecord(BaseModel):
    """One line of `trajectory.jsonl`: one allocate → sample → verify → select → decide step."""

    run_id: str = ""
    stage: str
    step: int
    mode: Mode
    candidates: list[Candidate] = Field(default_factory=list)
    verdicts: list[Verdict] = Field(default_factory=list)
    selection: Selection | None = None
    decision: Decision | None = None
    observation: dict[str, Any] | None = None  # what applying the winner returned (interactive stages)
    spend: dict[str, Any] = Field(default_factory=dict)
    budget: str = ""             # the budget text after the step (what the agent saw next)
    errors: list[str] = Field(default_factory=list)
    started_at: float = 0.0
    duration_s: float = 0.0


class StageResult(BaseModel):
    stage: str
    status: Literal["running", "accepted", "stopped"] = "running"
    best: Candidate | None = None
    verdict: Verdict | None = None
    steps: int = 0
    digs: int = 0
    pivots: int = 0
    reason: str = ""


class RunResult(BaseModel):
    run_id: str
    task: Task
    status: Literal["completed", "budget_exhausted", "failed"]
    answer: Any = None
    stages: dict[str, StageResult] = Field(default_factory=dict)
    spend: dict[str, Any] = Field(default_factory=dict)
    steps: int = 0
    wall_s: float = 0.0
    meta: dict[str, Any] = Field(default_factory=dict)
