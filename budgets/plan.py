"""Allocation plans: how a run spends its budget, stage by stage (AgentTTS-style).

A plan names, for each stage of a pipeline, its budget `share` (fraction of the run), `k` (samples
per step), `temperature` and `model`; anything left out keeps the pipeline's default. Plans are
YAML files (`save`/`load`) written by `scaleagent tune` or by hand, and carry their provenance (how
they were found: method, dev instances, trials, the score they got there), which is recorded with
the plan in run.json.

    stages:
      localize: {share: 0.1, k: 2, model: local/qwen2.5-coder-0.5b}
      patch:    {share: 0.6, k: 4, temperature: 0.7, settings: {focus: 2.0}}
    provenance: {method: agentts, dev: [lrukit-1, unitconv-1], trials: 8, score: 2.0}

`apply(pipeline)` sets those values on the pipeline's stages (duck-typed: any object with a
`stages` list of objects with a `name`; `budgets` stays a leaf package) and refuses a stage name
the pipeline does not have, so a plan for another pipeline cannot apply silently.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from budgets.errors import BudgetError

SETTINGS = ("share", "k", "temperature", "model")


class PlanError(BudgetError):
    """A plan that cannot be read or does not fit the pipeline (exit code 2, one line)."""


class StagePlan(BaseModel):
    model_config = ConfigDict(extra="forbid")

    share: float | None = Field(default=None, ge=0.0, le=1.0)   # fraction of the run budget
    k: int | None = Field(default=None, ge=0, le=64)             # samples per step
    temperature: float | None = Field(default=None, ge=0.0, le=2.0)
    model: str | None = None                                     # None: the run's model
    settings: dict[str, bool | int | float | str] | None = None  # the stage's own settings (e.g. patch: focus)

    def values(self) -> dict[str, Any]:
        return {k: v for k, v in self.model_dump().items() if v is not None}


class Provenance(BaseModel):
    model_config = ConfigDict(extra="allow")

    method: str = "manual"             # manual | uniform | random | agentts | ...
    pipeline: str | None = None
    options: dict[str, Any] = {}       # the pipeline options it was tuned with (mode, k ...)
    dev: list[str] = []                # the dev instances it was measured on
    budget: str | None = None          # the per-task budget it was tuned for
    trials: int = 0
    score: float | None = None         # what it got on the dev set (resolved count)
    cost: float | None = None          # mean unified cost (or tokens) per task there
    created: str = Field(default_factory=lambda: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))


class Plan(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = 1
    stages: dict[str, StagePlan] = {}
    provenance: Provenance = Field(default_factory=Provenance)

    @model_validator(mode="after")
    def _shares_fit(self) -> "Plan":
        total = sum(s.share for s in self.stages.values() if s.share is not None)
        if total > 1.0 + 1e-9:
            raise ValueError(f"stage shares add up to {total:.3f}, more than the whole budget (1.0)")
        return self

    # ---- files -------------------------------------------------------------------------------------
    @classmethod
    def load(cls, path: str | Path) -> "Plan":
        import yaml

        p = Path(path)
        if not p.is_file():
            raise PlanError(f"plan file {p} does not exist")
        try:
            data = yaml.safe_load(p.read_text())
        except yaml.YAMLError as e:
            mark = getattr(e, "problem_mark", None)
            raise PlanError(f"{p}: invalid YAML{f' at line {mark.line + 1}' if mark else ''}") from None
        return cls.from_data(data, source=str(p))

    @classmethod
    def from_data(cls, data: Any, source: str = "plan") -> "Plan":
        if not isinstance(data, dict):
            raise PlanError(f"{source}: a plan is a mapping with `stages:` (stage name -> share, k, temperature, model)")
        try:
            return cls.model_validate(data)
        except ValidationError as e:
            err = e.errors()[0]
            where = ".".join(str(x) for x in err.get("loc", ()))
            raise PlanError(f"{source}: {where + ': ' if where else ''}{err['msg']}") from None

    def save(self, path: str | Path) -> Path:
        import yaml

        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        data = self.model_dump(exclude_none=True)
        data["stages"] = {name: s.values() for name, s in self.stages.items()}
        p.write_text(yaml.safe_dump(data, sort_keys=False))
        return p

    # ---- use ---------------------------------------------------------------------------------------
    def apply(self, pipeline: Any) -> Any:
        """Set the plan's values on `pipeline`'s stages (in place; returns it). A stage the pipeline
        lacks is an error; a stage the plan leaves out keeps its defaults; `share: 0` skips a stage
        that is `optional` (the SWE pipeline's reproduce) and is an error for any other."""
        by_name = {s.name: s for s in pipeline.stages}
        missing = [n for n in self.stages if n not in by_name]
        if missing:
            raise PlanError(f"the plan names stage(s) {', '.join(missing)} that the pipeline does not have "
                            f"(it has {', '.join(by_name)})")
        for name, sp in self.stages.items():
            stage = by_name[name]
            if sp.share == 0.0 and not getattr(stage, "optional", False):
                skippable = [n for n, s in by_name.items() if getattr(s, "optional", False)]
                raise PlanError(f"stage {name} cannot be skipped (share 0): the pipeline needs it; only "
                                f"{', '.join(skippable) or 'none of its stages'} can")
            own = sp.settings or {}
            bad = [k for k in own if k.startswith("_") or k in SETTINGS or not hasattr(type(stage), k)
                   or callable(getattr(type(stage), k))]
            if bad:
                raise PlanError(f"stage {name} has no setting {bad[0]!r} a plan can set")
            for key, value in {**sp.values(), **own}.items():
                if key != "settings":
                    setattr(stage, key, value)
        return pipeline

    def models(self) -> set[str]:
        return {s.model for s in self.stages.values() if s.model}

    def describe(self) -> str:
        """One line: `localize share 0.10 k 2 | patch k 4 t 0.7` (for progress output)."""
        parts = []
        for name, s in self.stages.items():
            v = s.values()
            bits = [f"share {v['share']:.2f}" if "share" in v else "", f"k {v['k']}" if "k" in v else "",
                    f"t {v['temperature']:g}" if "temperature" in v else "", v.get("model", "")]
            parts.append(" ".join([name] + [b for b in bits if b]))
        return " | ".join(parts) or "(empty plan: pipeline defaults)"


def apply_plan(pipeline: Any, plan: Plan | dict[str, Any] | None) -> Any:
    """`pipeline` with `plan` applied (a Plan, its dict as stored in run.json, or None: unchanged)."""
    if plan is None:
        return pipeline
    if not isinstance(plan, Plan):
        plan = Plan.from_data(plan, source="the run's plan")
    return plan.apply(pipeline)
