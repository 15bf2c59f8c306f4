"""Public pydantic types of the engine: what flows between stages and into the trajectory.

One meaning of a test result everywhere (`TestOutcome`): `passed` and `xfailed` pass (as in
SWE-bench), `failed` and `xpassed` fail, `error` means the test could not run, `skipped` neither
passed nor failed (it does not count as passing: a test that passed before and is skipped now is a
regression). Verdict details are typed (`Details`); a pipeline that needs more fields subclasses it
with its own `kind`, and a verdict read back from a trajectory or checkpoint gets that subclass.
"""
from __future__ import annotations

import uuid
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, Field, SerializeAsAny, field_validator

from agents.models.base import GenerationParams, Message

Mode = Literal["sample", "refine", "pivot"]
Action = Literal["accept", "dig_deeper", "pivot", "stop"]
Outcome = Literal["passed", "failed", "error", "skipped", "xfailed", "xpassed"]
PASSING: tuple[str, ...] = ("passed", "xfailed")


def new_id(prefix: str = "c") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


class Task(BaseModel):
    """One unit of work: a HumanEval problem, a GitHub issue, a question, a GUI goal."""

    id: str
    kind: str = "generic"
    input: dict[str, Any] = Field(default_factory=dict)
    meta: dict[str, Any] = Field(default_factory=dict)


class SampleRequest(BaseModel):
    """One model call a stage asks for: the messages, the generation parameters, and the stage's own
    `plan` for this call (what `parse` needs to turn a reply into content: the file being edited,
    the format asked for ...). The plan goes to `parse` with every reply of this call."""

    messages: list[Message] = Field(default_factory=list)  # empty: built by the stage's `prompt_for` at call time
    params: GenerationParams = Field(default_factory=GenerationParams)
    plan: Any = None
    model: str | None = None     # None: the stage's model, else the run's default
    purpose: str = "sample"


class Candidate(BaseModel):
    """One proposal (a solution, a patch, a test file, an action, an answer)."""

    id: str = Field(default_factory=new_id)
    content: Any = None          # parsed content; None when parsing failed
    text: str = ""               # raw model output
    key: str | None = None       # normalized answer for voting (majority)
    origin: Mode = "sample"
    source: Literal["model", "aggregate", "expand"] = "model"  # sampled, merged from samples, or a variant
    parent: str | None = None    # the candidate this one refines (or, for a variant, varies)
    error: str | None = None     # why it could not be parsed / applied
    output_tokens: int = 0
    finish_order: int = 0        # order in which generation finished (first-finish)
    meta: dict[str, Any] = Field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return self.error is None and self.content is not None


class TestOutcome(BaseModel):
    """What one test said of one candidate."""

    __test__: ClassVar[bool] = False  # not a pytest test class
    outcome: Outcome
    message: str = ""
    credit: float = Field(default=0.0, ge=0.0, le=1.0)  # part of a pass a failing test earns
    signature: str | None = None  # what the test saw, so candidates cluster by behaviour, not by bit

    @property
    def passed(self) -> bool:
        return self.outcome in PASSING

    @property
    def failed(self) -> bool:
        return self.outcome in ("failed", "xpassed")

    @classmethod
    def of(cls, value: "bool | str | dict | TestOutcome") -> "TestOutcome":
        if isinstance(value, TestOutcome):
            return value
        if isinstance(value, bool):
            return cls(outcome="passed" if value else "failed")
        if isinstance(value, str):
            return cls(outcome=value)  # type: ignore[arg-type]
        return cls.model_validate(value)


class Details(BaseModel):
    """Typed details of a verdict. Subclass with a new `kind` for a pipeline's own fields."""

    kind: str = "generic"
    tests: dict[str, TestOutcome] = Field(default_factory=dict)  # per test id, for test votes
    regressions: list[str] = Field(default_factory=list)  # tests that passed before and do not now
    distrusted: list[str] = Field(default_factory=list)   # tests the verifier stopped believing
    same_as: str | None = None        # verdict reused from this candidate (same content, same tests)
    exit_code: int | None = None
    duration_s: float | None = None

    _kinds: ClassVar[dict[str, type["Details"]]] = {}

    @classmethod
    def __pydantic_init_subclass__(cls, **kw: Any) -> None:
        """Register a subclass under its own `kind` (one that no base class has): a subclass that
        keeps its parent's kind does not take over the parent's verdicts; two classes cannot share one."""
        kind = cls.model_fields["kind"].default
        inherited = {b.model_fields["kind"].default for b in cls.__mro__[1:]
                     if isinstance(b, type) and issubclass(b, Details) and "kind" in getattr(b, "model_fields", {})}
        if kind in inherited:
            return
        known = Details._kinds.get(kind)
        if known is not None and (known.__module__, known.__qualname__) != (cls.__module__, cls.__qualname__):
            raise TypeError(f"verdict details kind {kind!r} is taken by {known.__module__}.{known.__qualname__}")
        Details._kinds[kind] = cls

    @field_validator("tests", mode="before")
    @classmethod
    def _outcomes(cls, value: Any) -> Any:
        return {str(k): TestOutcome.of(v) for k, v in (value or {}).items()}

    def pass_fraction(self, *, credit: bool = True) -> float:
        """Share of `tests` passed; a failing test counts its `credit` when `credit`."""
        if not self.tests:
            return 0.0
        return sum(1.0 if o.passed else (o.credit if credit else 0.0) for o in self.tests.values()) / len(self.tests)

    def failing(self) -> list[str]:
        return [t for t, o in self.tests.items() if not o.passed]


def _details(value: Any) -> Details:
    if isinstance(value, Details):
        return value
    data = dict(value or {})
    cls = Details._kinds.get(str(data.get("kind", "generic")), Details)
    return cls.model_validate(data)


class Verdict(BaseModel):
    """What verification said of one candidate. `score` in [0, 1]; `passed` when it is binary."""

    candidate_id: str
    score: float = 0.0
    passed: bool | None = None
    feedback: str = ""           # shown to the model when digging deeper
    details: SerializeAsAny[Details] = Field(default_factory=Details)
    uncertainty: float | None = None  # for pessimistic selection (higher = less sure)

    @field_validator("details", mode="before")
    @classmethod
    def _typed(cls, value: Any) -> Details:
        return _details(value)


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
    """One line of `trajectory.jsonl`: one allocate → sample → verify → expand → select → apply → decide step."""

    run_id: str = ""
    stage: str
    step: int
    mode: Mode
    samples: list[Candidate] = Field(default_factory=list)     # raw samples an aggregator merged
    candidates: list[Candidate] = Field(default_factory=list)  # what was verified and selected among
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
    status: Literal["running", "accepted", "stopped", "skipped"] = "running"
    best: Candidate | None = None
    verdict: Verdict | None = None
    steps: int = 0
    digs: int = 0
    pivots: int = 0
    reason: str = ""
    memo: dict[str, Any] = Field(default_factory=dict)  # what the stage keeps between steps (checkpointed)


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
