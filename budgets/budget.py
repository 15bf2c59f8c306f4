"""`Budget`: the caps of a run, a stage or a step.

Dimensions: dollars (the unified cost: token dollars + tool-call dollars), input/output/total tokens,
model calls, wall seconds, and per-tool call counts. `None` means unlimited. Parsed from CLI strings
(`usd=0.5,tokens=200k,search=10`) and from YAML mappings.

Rules that keep a typo from removing a cap:
- An empty budget string is an error; `unlimited` (alone) is the explicit way to run without caps.
- A key that is not a dimension is parsed as a tool cap, and `Budget.check(tools=...)` (which every
  entry point must call with the tools its run really has) rejects a cap on any other name, naming
  the valid keys: `tokns=300` or `run-tests=1` is an error, not a cap on nothing.
- A `usd` cap needs a price for every model of the run: `Budget.check(unpriced_models=...)` rejects
  it when a model has none (an API model litellm has no price for, with no `--price`). Local models
  cost 0 dollars by definition, so they are always priced (a usd cap then never binds on them).
"""
from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, field_validator

from budgets.errors import BudgetError

# Names accepted in budget strings for each scalar dimension.
ALIASES = {
    "usd": "usd", "dollars": "usd", "cost": "usd", "$": "usd",
    "tokens": "tokens", "total_tokens": "tokens",
    "input_tokens": "input_tokens", "in_tokens": "input_tokens",
    "output_tokens": "output_tokens", "out_tokens": "output_tokens",
    "calls": "model_calls", "model_calls": "model_calls",
    "seconds": "wall_seconds", "wall": "wall_seconds", "wall_seconds": "wall_seconds", "time": "wall_seconds",
}
SCALARS = ("usd", "tokens", "input_tokens", "output_tokens", "model_calls", "wall_seconds")
_TOOL_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
_SUFFIX = {"k": 1_000, "m": 1_000_000, "g": 1_000_000_000}
_DURATION = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600}
UNLIMITED = ("unlimited", "none")  # the explicit no-caps budget string
_DIMENSION_KEYS = "usd, tokens, input_tokens, output_tokens, calls, seconds"
# The largest cap: checkpoints store caps as 64-bit integers, and a cap this large caps nothing anyway.
MAX_CAP = 10**15


class Budget(BaseModel):
    usd: float | None = Field(default=None, ge=0, le=MAX_CAP)
    tokens: int | None = Field(default=None, ge=0, le=MAX_CAP)
    input_tokens: int | None = Field(default=None, ge=0, le=MAX_CAP)
    output_tokens: int | None = Field(default=None, ge=0, le=MAX_CAP)
    model_calls: int | None = Field(default=None, ge=0, le=MAX_CAP)
    wall_seconds: float | None = Field(default=None, ge=0, le=MAX_CAP)
    tools: dict[str, int] = Field(default_factory=dict)  # per-tool call caps, e.g. {"search": 10}

    model_config = {"extra": "forbid"}

    @field_validator("tools")
    @classmethod
    def _tools_valid(cls, v: dict[str, int]) -> dict[str, int]:
        for name, cap in v.items():
            if not _TOOL_NAME.match(name):
                raise ValueError(f"bad tool name {name!r}")
            if not 0 <= cap <= MAX_CAP:
                raise ValueError(f"tool cap for {name!r} must be between 0 and {MAX_CAP:.0e}")
        return v

    # ---- construction -------------------------------------------------------------------------
    @classmethod
    def parse(cls, text: str) -> "Budget":
        """Parse `usd=0.5,tokens=200k,search=10,seconds=5m`. Unknown keys are tool caps (validate them
        with `check`). Empty is an error; `unlimited` is the explicit budget without caps."""
        if text is None or not str(text).strip():
            raise BudgetError("empty budget: give e.g. --budget usd=0.5,tokens=200k,run_tests=10 "
                              "(or --budget unlimited)")
        if str(text).strip().lower() in UNLIMITED:
            return cls()
        fields: dict[str, Any] = {}
        tools: dict[str, int] = {}
        for part in str(text).split(","):
            part = part.strip()
            if not part:
                continue
            if "=" not in part:
                raise BudgetError(f"bad budget item {part!r}: expected KEY=VALUE, e.g. usd=0.5,tokens=200k")
            key, _, raw = (s.strip() for s in part.partition("="))
            dim = ALIASES.get(key.lower())
            if dim is None:
                if key.startswith("tools."):
                    key = key[len("tools."):]
                if not _TOOL_NAME.match(key):
                    raise BudgetError(f"bad budget key {key!r}: use usd, tokens, input_tokens, "
                                      "output_tokens, calls, seconds or a tool name")
                tools[key] = int(_number(raw, key, integer=True))
            else:
                fields[dim] = _number(raw, key, integer=dim not in ("usd", "wall_seconds"),
                                      duration=dim == "wall_seconds")
        if not fields and not tools:
            raise BudgetError(f"empty budget {text!r}: give e.g. --budget tokens=200k,run_tests=10 "
                              "(or --budget unlimited)")
        return cls._build(fields, tools)

    @classmethod
    def from_mapping(cls, data: Any, source: str = "budget") -> "Budget":
        """From a YAML/JSON mapping: `{usd: 0.5, tokens: 200k, tools: {search: 10}}`."""
        if data is None:
            return cls()
        if not isinstance(data, dict):
            raise BudgetError(f"{source}: a budget must be a mapping like {{usd: 0.5, tokens: 200k}}")
        fields: dict[str, Any] = {}
        tools: dict[str, int] = {}
        for key, raw in data.items():
            key = str(key)
            if key == "tools":
                if not isinstance(raw, dict):
                    raise BudgetError(f"{source}: 'tools' must be a mapping of tool name to call cap")
                for t, cap in raw.items():
                    tools[str(t)] = int(_number(str(cap), str(t), integer=True))
                continue
            dim = ALIASES.get(key.lower())
            if dim is None:
                tools[key] = int(_number(str(raw), key, integer=True))
            else:
                fields[dim] = _number(str(raw), key, integer=dim not in ("usd", "wall_seconds"),
                                      duration=dim == "wall_seconds")
        return cls._build(fields, tools)

    @classmethod
    def from_yaml(cls, path: str | Path) -> "Budget":
        import yaml

        p = Path(path)
        if not p.is_file():
            raise BudgetError(f"budget file {p} does not exist")
        try:
            data = yaml.safe_load(p.read_text())
        except yaml.YAMLError as e:
            mark = getattr(e, "problem_mark", None)
            where = f" at line {mark.line + 1}" if mark else ""
            raise BudgetError(f"{p}: invalid YAML{where}; fix the file or pass --budget KEY=VALUE,...") from None
        if isinstance(data, dict) and "budget" in data:
            data = data["budget"]
        return cls.from_mapping(data, source=str(p))

    @classmethod
    def _build(cls, fields: dict[str, Any], tools: dict[str, int]) -> "Budget":
        try:
            return cls(**fields, tools=tools)
        except ValueError as e:  # pydantic ValidationError is a ValueError
            raise BudgetError(f"invalid budget: {e.errors()[0]['msg'] if hasattr(e, 'errors') else e}") from None

    # ---- validation against a run ----------------------------------------------------------------
    def check(self, *, tools: Iterable[str], unpriced_models: Iterable[str] = ()) -> "Budget":
        """Raise a one-line `BudgetError` unless every tool cap names one of `tools` (the run's
        tools) and, when `usd` is capped, no model is in `unpriced_models`. Returns self."""
        known = sorted(set(tools))
        for name in self.tools:
            if name not in known:
                guess = difflib.get_close_matches(name, [*ALIASES, *known], n=1, cutoff=0.6)
                hint = f" (did you mean {guess[0]!r}?)" if guess else ""
                run_tools = ", ".join(known) if known else "none"
                raise BudgetError(f"unknown budget key {name!r}{hint}: valid keys are {_DIMENSION_KEYS} "
                                  f"and this run's tools: {run_tools}")
        unpriced = sorted(set(unpriced_models))
        if self.usd is not None and unpriced:
            raise BudgetError(f"a usd cap needs a price, and {', '.join(unpriced)} has no known price: give "
                              "--price IN,OUT (dollars per million tokens) or cap tokens instead")
        return self

    # ---- arithmetic ---------------------------------------------------------------------------
    def scaled(self, fraction: float, tools: dict[str, float] | None = None) -> "Budget":
        """This budget times `fraction` (a stage's share of the run); a tool named in `tools` is
        scaled by its own fraction instead."""
        data: dict[str, Any] = {}
        for dim in SCALARS:
            v = getattr(self, dim)
            if v is not None:
                data[dim] = type(v)(v * fraction) if isinstance(v, int) else v * fraction
        own = tools or {}
        return Budget(**data, tools={t: int(c * own.get(t, fraction)) for t, c in self.tools.items()})

    def less(self, other: "Budget") -> "Budget":
        """This budget minus `other` where both name a dimension (what is left after holding `other`
        back), never below 0; a dimension only one of them names keeps this budget's value."""
        data: dict[str, Any] = {}
        for dim in SCALARS:
            v, o = getattr(self, dim), getattr(other, dim)
            data[dim] = v if v is None or o is None else type(v)(max(0, v - o))
        return Budget(**data, tools={t: max(0, c - other.tools.get(t, 0)) for t, c in self.tools.items()})

    def plus(self, other: "Budget") -> "Budget":
        """The sum of two needs: a dimension either names, added (what several later stages need)."""
        data: dict[str, Any] = {}
        for dim in SCALARS:
            v, o = getattr(self, dim), getattr(other, dim)
            data[dim] = o if v is None else v if o is None else v + o
        tools = dict(self.tools)
        for t, c in other.tools.items():
            tools[t] = tools.get(t, 0) + c
        return Budget(**data, tools=tools)

    def covers(self, caps: "Budget", tools: Iterable[str] | None = None) -> bool:
        """Whether this budget (a stage's need) names every scalar dimension `caps` caps, and every
        tool cap of `caps` among `tools` (None: all of them): a need that leaves a capped dimension
        unnamed cannot say how much of it to hold back."""
        called = caps.tools if tools is None else [t for t in caps.tools if t in tuple(tools)]
        return (all(getattr(self, d) is not None for d in SCALARS if getattr(caps, d) is not None)
                and all(t in self.tools for t in called))

    def is_unlimited(self) -> bool:
        return all(getattr(self, d) is None for d in SCALARS) and not self.tools

    def describe(self) -> str:
        parts = [f"{d}={getattr(self, d)}" for d in SCALARS if getattr(self, d) is not None]
        parts += [f"{t}={c}" for t, c in self.tools.items()]
        return ",".join(parts) or "unlimited"


def _number(raw: str, key: str, *, integer: bool, duration: bool = False) -> float:
    s = raw.strip().lower().lstrip("$")
    mult = 1.0
    if duration:
        for suf in sorted(_DURATION, key=len, reverse=True):
            if s.endswith(suf) and s[: -len(suf)].replace(".", "", 1).isdigit():
                mult, s = _DURATION[suf], s[: -len(suf)]
                break
    elif s and s[-1] in _SUFFIX:
        mult, s = _SUFFIX[s[-1]], s[:-1]
    try:
        value = float(s) * mult
    except ValueError:
        raise BudgetError(f"bad value {raw!r} for {key!r}: expected a number like 0.5, 200k or 5m") from None
    if value < 0 or value != value or value == float("inf"):
        raise BudgetError(f"bad value {raw!r} for {key!r}: must be a finite number >= 0")
    if value > MAX_CAP:
        raise BudgetError(f"bad value {raw!r} for {key!r}: must be at most {MAX_CAP:.0e} (leave {key!r} out for no cap)")
    if integer:
        if value != int(value):
            raise BudgetError(f"bad value {raw!r} for {key!r}: must be a whole number")
        return int(value)
    return value
