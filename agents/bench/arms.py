"""Sweeps: every combination of --mode × --k × --budget × --model (× --seed) is one arm of the benchmark.

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
SEED_PART = "seed"  # an arm id's last part in a seed sweep: `best_of_n-seed2`


@dataclass(frozen=True)
class Arm:
    arm_id: str
    kind: str
    mode: str | None
    k: int
    budget: str          # the budget as given (e.g. "tokens=8k,run_tests=10")
    model: str
    config: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    seed: int = 0        # the base seed of the arm's sampled calls (run.json `seed`)

    def record(self) -> dict[str, Any]:
        return {"arm_id": self.arm_id, "kind": self.kind, "pipeline": self.config.get("pipeline"), "mode": self.mode,
                "k": self.k, "budget": self.budget, "model": self.model, "seed": self.seed, "config": self.config}

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


def parse_seeds(text: str, flag: str = "--seeds") -> list[int]:
    """`0-4`, `0,3,7` or `2` -> a list of seeds (order kept, duplicates dropped)."""
    seeds: list[int] = []
    try:
        for part in text.split(","):
            lo, dash, hi = part.strip().partition("-")
            seeds += [s for s in (range(int(lo), int(hi) + 1) if dash else [int(lo)]) if s not in seeds]
    except ValueError:
        raise ConfigError(f"bad {flag} {text!r}: use e.g. 0-4 or 0,2,5") from None
    if not seeds or any(s < 0 for s in seeds):
        raise ConfigError(f"bad {flag} {text!r}: give non-negative seeds, e.g. 0-4")
    return seeds


def make_arms(kind: str, *, modes: list[str], ks: list[int], budgets: list[tuple[str, Budget]], models: list[str],
              base: dict[str, Any], options: dict[str, Any] | None = None,
              pipeline_for=None, plan: Path | None = None, seeds: list[int] | None = None) -> list[Arm]:
    """The arms of a sweep, in a stable order; `seeds` (the base seeds of the sampled calls) vary fastest,
    repeating every other arm (seed 0 is a run config without `seed`, as before seeds, so a store of
    earlier runs resumes as seed 0). `base` holds the runtime settings shared by every arm
    (sandbox, api_base, price); `pipeline_for(mode)` maps a mode to a pipeline name (default: `kind`).
    An allocation plan (`--plan FILE`) goes into every arm's run config (pipelines.execute applies it;
    run.json keeps it); a plan naming a stage an arm's pipeline lacks is refused here, not as every
    task's error."""
    if plan is not None:
        from budgets.plan import Plan

        base = base | {"plan": Plan.load(plan).model_dump(exclude_none=True)}
    arms: list[Arm] = []
    seeds = seeds or [0]
    for mode, k, (btext, budget), model, seed in itertools.product(modes or [None], ks, budgets, models, seeds):
        opts = dict(options or {}) | {"k": k} | ({"mode": mode} if mode else {})
        pipeline = pipeline_for(mode) if pipeline_for else kind
        cfg = {"pipeline": pipeline, "options": opts, "model": model, "budget": budget.model_dump()} | base
        if seed:
            cfg["seed"] = seed
        parts = [mode or "default"]  # a coordinate is named when the sweep varies it
        if len(ks) > 1:
            parts.append(f"k{k}")
        if len(budgets) > 1:
            parts.append(btext or "unlimited")
        if len(models) > 1:
            parts.append(model)
        if len(seeds) > 1:
            parts.append(f"{SEED_PART}{seed}")
        arm_id = _UNSAFE.sub("_", "-".join(parts))
        arms.append(Arm(arm_id=arm_id, kind=kind, mode=mode, k=k, budget=btext or budget.describe(), model=model,
                        config=cfg, seed=seed))
    ids = [a.arm_id for a in arms]
    if len(set(ids)) != len(ids):
        raise ConfigError("two arms of the sweep have the same name: give each --budget, --model and --seed once")
    if plan is not None:
        from agents import pipelines
        from budgets.plan import apply_plan

        for arm in arms:
            apply_plan(pipelines.build(arm.config["pipeline"], arm.config["options"]), base["plan"])
    return arms
