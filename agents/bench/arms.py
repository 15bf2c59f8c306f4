"""Sweeps: every combination of --mode × --k × --budget × --model is one arm of the benchmark.

An arm is a run config template (agents.config.runtime_config) plus its sweep coordinates; a task's
run config is the arm's template with the task's fragment (from the kind's `bench_tasks`) merged in.
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from budgets import Budget

from agents.errors import ConfigError

_UNSAFE = re.compile(r"[^A-Za-z0-9._=,+-]+")


@dataclass(frozen=True)
class Arm:
    arm_id: str
    kind: str
    mode: str | None
    k: int
    budget: str          # the budget as given (e.g. "tokens=8k,run_tests=10")
    model: str
    config: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def record(self) -> dict[str, Any]:
        return {"arm_id": self.arm_id, "kind": self.kind, "pipeline": self.config.get("pipeline"), "mode": self.mode,
                "k": self.k, "budget": self.budget, "model": self.model, "config": self.config}

    def task_config(self, fragment: dict[str, Any]) -> dict[str, Any]:
        return dict(self.config) | fragment


def split_list(values: list[str] | str | None, what: str) -> list[str]:
    """`a,b` or repeated flags → ['a', 'b'] (order kept, duplicates dropped)."""
    if values is None:
        return []
    items = [values] if isinstance(values, str) else list(values)
    out: list[str] = []
    for v in items:
        for part in str(v).split(","):
            part = part.strip()
            if not part:
                raise ConfigError(f"bad {what} {v!r}: an empty item in the list")
            if part not in out:
                out.append(part)
    return out


def parse_ks(values: list[str] | str | None, default: int = 4) -> list[int]:
    ks = []
    for item in split_list(values, "--k") or [str(default)]:
        try:
            k = int(item)
        except ValueError:
            raise ConfigError(f"bad --k {item!r}: give whole numbers, e.g. --k 1,2,4,8") from None
        if not 1 <= k <= 64:
            raise ConfigError(f"bad --k {k}: each K must be between 1 and 64")
        ks.append(k)
    return ks


def make_arms(kind: str, *, modes: list[str], ks: list[int], budgets: list[tuple[str, Budget]], models: list[str],
              base: dict[str, Any], options: dict[str, Any] | None = None,
              pipeline_for=None, plan: Path | None = None) -> list[Arm]:
    """The arms of a sweep, in a stable order. `base` holds the runtime settings shared by every arm
    (sandbox, api_base, price); `pipeline_for(mode)` maps a mode to a pipeline name (default: `kind`).
    An allocation plan (`--plan FILE`) goes into every arm's run config (pipelines.execute applies it;
    run.json keeps it); a plan naming a stage an arm's pipeline lacks is refused here, not as every
    task's error."""
    if plan is not None:
        from budgets.plan import Plan

        base = base | {"plan": Plan.load(plan).model_dump(exclude_none=True)}
    arms: list[Arm] = []
    for mode, k, (btext, budget), model in itertools.product(modes or [None], ks, budgets, models):
        opts = dict(options or {}) | {"k": k} | ({"mode": mode} if mode else {})
        pipeline = pipeline_for(mode) if pipeline_for else kind
        cfg = {"pipeline": pipeline, "options": opts, "model": model, "budget": budget.model_dump()} | base
        parts = [mode or "default"]  # a coordinate is named when the sweep varies it
        if len(ks) > 1:
            parts.append(f"k{k}")
        if len(budgets) > 1:
            parts.append(btext or "unlimited")
        if len(models) > 1:
            parts.append(model)
        arm_id = _UNSAFE.sub("_", "-".join(parts))
        arms.append(Arm(arm_id=arm_id, kind=kind, mode=mode, k=k, budget=btext or budget.describe(), model=model,
                        config=cfg))
    ids = [a.arm_id for a in arms]
    if len(set(ids)) != len(ids):
        raise ConfigError("two arms of the sweep have the same name: give each --budget and --model once")
    if plan is not None:
        from agents import pipelines
        from budgets.plan import apply_plan

        for arm in arms:
            apply_plan(pipelines.build(arm.config["pipeline"], arm.config["options"]), base["plan"])
    return arms
