"""The search space of allocation plans for one pipeline: per stage, a budget share, K, a
temperature and a model, each from a small grid. Plans are `budgets.plan.Plan`s."""
from __future__ import annotations

import random
from typing import Any

from pydantic import BaseModel

from budgets.plan import Plan, StagePlan

SHARES = (0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7)
SKIP_P = 0.25                     # how often a random plan skips an optional stage
# Stage settings searched where a stage has them (the patch stage's): `focus`, and `edit_format`, what a
# patch sample writes back ("auto": the whole file up to 80 lines; "function": only the localized
# function, a cheaper sample, so more of them fit a slice).
TUNABLE = {"focus": (0.0, 2.0), "edit_format": ("auto", "function")}


class StageSpace(BaseModel):
    name: str
    ks: tuple[int, ...] = (1, 2, 4)          # () : K is not tuned (a stage that samples nothing)
    temperatures: tuple[float, ...] = (0.4, 0.8, 1.0)
    default_k: int = 4
    default_temperature: float = 0.8
    default_share: float | None = None
    settings: dict[str, tuple] = {}          # the stage's own settings to search (patch: focus)
    setting_defaults: dict[str, Any] = {}    # their values where a plan leaves them out
    optional: bool = False                   # share 0 (skip the stage) is in the space
    need: str | None = None                  # a bounded stage's need (`Stage.need`), described to the proposer


class SearchSpace(BaseModel):
    """`models`: the models a stage may use (the first is the run's default)."""

    stages: list[StageSpace]
    models: tuple[str, ...] = ()

    @classmethod
    def of(cls, pipeline: Any, models: tuple[str, ...] = (), ks: tuple[int, ...] = (1, 2, 4, 6)) -> "SearchSpace":
        """The space around a built pipeline: its stages, their defaults; stages with k=0 keep k."""
        out = []
        for s in pipeline.stages:
            sampled = getattr(s, "k", 0) > 0
            out.append(StageSpace(name=s.name, ks=ks if sampled else (), default_k=getattr(s, "k", 0),
                                  temperatures=(0.4, 0.8, 1.0) if sampled else (),
                                  default_temperature=getattr(s, "temperature", 0.8),
                                  default_share=getattr(s, "share", None),
                                  settings={k: v for k, v in TUNABLE.items() if hasattr(type(s), k)},
                                  setting_defaults={k: getattr(s, k) for k in TUNABLE if hasattr(type(s), k)},
                                  optional=bool(getattr(s, "optional", False)),
                                  need=s.need.describe() if getattr(s, "need", None) is not None else None))
        return cls(stages=out, models=tuple(models))

    def names(self) -> list[str]:
        return [s.name for s in self.stages]

    # ---- plans ---------------------------------------------------------------------------------------
    def uniform(self) -> Plan:
        """The uniform split: equal shares, the same K and temperature for every sampling stage, the
        default model everywhere."""
        share = round(1.0 / len(self.stages), 4)
        ks = [s.default_k for s in self.stages if s.ks]
        k = max(set(ks), key=ks.count) if ks else None
        return Plan(stages={s.name: StagePlan(share=share, **({"k": k, "temperature": 0.8} if s.ks else {}))
                            for s in self.stages})

    def random(self, rng: random.Random) -> Plan:
        """A plan drawn from the space; an optional stage is skipped (share 0) one time in four."""
        weights = [0.0 if s.optional and rng.random() < SKIP_P else rng.uniform(0.2, 1.0) for s in self.stages]
        shares = _normalized(weights, [s.optional for s in self.stages])
        stages = {}
        for s, share in zip(self.stages, shares):
            sp: dict[str, Any] = {"share": share}
            if share == 0.0:  # skipped: nothing else about it matters
                stages[s.name] = StagePlan(**sp)
                continue
            if s.ks:
                sp["k"], sp["temperature"] = rng.choice(s.ks), rng.choice(s.temperatures)
            if len(self.models) > 1:
                sp["model"] = rng.choice(self.models)
            if s.settings:
                sp["settings"] = {k: rng.choice(v) for k, v in s.settings.items()}
            stages[s.name] = StagePlan(**sp)
        return Plan(stages=stages)

    def clamp(self, data: Any) -> Plan:
        """A plan from a (model-written) mapping, snapped onto the grid: unknown stages dropped, K and
        temperature to the nearest allowed value, unknown models to the default, shares normalized."""
        data = data.get("stages", data) if isinstance(data, dict) else {}
        raw = {s.name: (data.get(s.name) if isinstance(data.get(s.name), dict) else {}) for s in self.stages}
        shares = _normalized([_num(raw[s.name].get("share"), 1.0 / len(self.stages)) for s in self.stages],
                             [s.optional for s in self.stages])
        stages = {}
        for s, share in zip(self.stages, shares):
            r = raw[s.name]
            sp: dict[str, Any] = {"share": share}
            if share == 0.0:
                stages[s.name] = StagePlan(**sp)
                continue
            if s.ks:
                sp["k"] = _nearest(_num(r.get("k"), s.default_k), s.ks)
                sp["temperature"] = _nearest(_num(r.get("temperature"), s.default_temperature), s.temperatures)
            if self.models and r.get("model") in self.models and r.get("model") != self.models[0]:
                sp["model"] = r["model"]
            given = r.get("settings") if isinstance(r.get("settings"), dict) else {}
            chosen = {k: _snap(given[k], v) for k, v in s.settings.items() if k in given}
            if chosen:
                sp["settings"] = chosen
            stages[s.name] = StagePlan(**sp)
        return Plan(stages=stages)

    def key(self, plan: Plan) -> str:
        """Identity of a plan on the grid (to skip re-evaluating the same plan): a value the plan leaves
        out (K, temperature, a searched setting) counts as the stage's default, the default model as none,
        settings the space does not search are left out, numbers compare as numbers (a given start plan and
        a proposal that spells it differently are one plan)."""
        by_name = {s.name: s for s in self.stages}
        parts = []
        for n, s in sorted(plan.stages.items()):
            sp = by_name.get(n)
            k, t = s.k, s.temperature
            if sp is not None and sp.ks:  # a sampling stage: what the plan leaves out is the stage's default
                k = sp.default_k if k is None else k
                t = sp.default_temperature if t is None else t
            model = None if self.models and s.model == self.models[0] else s.model
            given = {a: b for a, b in (s.settings or {}).items() if sp is None or a in sp.settings}
            searched = {a: float(b) if isinstance(b, (int, float)) and not isinstance(b, bool) else b
                        for a, b in {**(sp.setting_defaults if sp is not None else {}), **given}.items()}
            parts.append(f"{n}:0.0" if s.share == 0.0 else f"{n}:{s.share}:{k}:{t}:{model}:{sorted(searched.items())}")
        return "|".join(parts)

    def describe(self) -> str:
        lines = []
        for s in self.stages:
            opts = f"k in {list(s.ks)}, temperature in {list(s.temperatures)}" if s.ks else "no sampling (k fixed)"
            extra = "".join(f", settings.{k} in {list(v)}" for k, v in s.settings.items())
            skip = "; 0 skips this stage" if s.optional else ""
            bounded = (f"; bounded, needs {s.need}: under caps its need names, that is held back for it "
                       "and its share is not used") if s.need else ""
            lines.append(f"- {s.name}: share (fraction of the run budget{skip}{bounded}), {opts}{extra}")
        if self.models:
            lines.append(f"- model per stage, one of {list(self.models)} (first = default)")
        return "\n".join(lines)


def _num(v: Any, default: float) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return float(default)


def _nearest(v: float, grid: tuple) -> Any:
    return min(grid, key=lambda g: (abs(g - v), g))


def _snap(v: Any, grid: tuple) -> Any:
    """A (model-written) setting onto its grid: a number to the nearest value, a choice among words
    kept when it is one of them (case ignored), else the grid's first (the stage's default)."""
    if all(isinstance(g, (int, float)) for g in grid):
        return _nearest(_num(v, grid[0]), grid)
    word = str(v).strip().lower()
    return next((g for g in grid if str(g).lower() == word), grid[0])


def _normalized(weights: list[float], optional: list[bool] | None = None) -> list[float]:
    """Weights -> shares summing to at most 1, on a 0.05 grid (floored, each at least 0.05, except
    that an optional stage's weight 0 stays 0: skipped)."""
    weights = [max(0.0, w) for w in weights]
    optional = optional or [False] * len(weights)
    total = sum(weights) or 1.0
    shares = [0.0 if opt and w == 0.0 else max(0.05, int(w / total * 20) / 20)
              for w, opt in zip(weights, optional)]
    while sum(shares) > 1.0 + 1e-9:
        i = shares.index(max(shares))
        shares[i] = round(shares[i] - 0.05, 2)
    return [round(s, 2) for s in shares]
