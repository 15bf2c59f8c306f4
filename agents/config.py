"""Settings shared by the command line and the pipelines: the default model and sandbox, budgets and
prices, checks that fail fast (before a run directory is written), and the Runtime a run config
describes. Pipelines import this module, never the CLI.

A run config is the JSON object `run.json` stores under "config" (so `resume` can rebuild the run):
{"pipeline", "options", "model", "budget", "sandbox", "api_base", "price", ...pipeline-specific keys}.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from budgets import Budget, BudgetError, CostModel

from agents.errors import ConfigError

DEFAULT_MODEL = "local/qwen2.5-coder-0.5b"
DEFAULT_SANDBOX = "bwrap"


def load_budget(text: str | None, path: Path | None) -> Budget:
    if text and path:
        raise ConfigError("give either --budget or --budget-file, not both")
    if path:
        return Budget.from_yaml(path)
    return Budget.parse(text) if text is not None else Budget()  # '' is an error, not "unlimited"


def parse_prices(text: str | None, model: str = "") -> dict[str, tuple[float, float]]:
    """`--price` → {model: (dollars per input token, per output token)}. The text is `IN,OUT`
    (dollars per million tokens, for the run's `model`) or `;`-separated entries, each `IN,OUT` or
    `MODEL=IN,OUT`, so a plan's stage models are priced too (local models are otherwise free)."""
    out: dict[str, tuple[float, float]] = {}
    for entry in (e.strip() for e in str(text or "").split(";")):
        if not entry:
            continue
        name, _, value = entry.rpartition("=")
        try:
            pin, pout = (float(x) for x in value.split(","))
        except ValueError:
            raise ConfigError(f"bad --price {text!r}: expected IN,OUT dollars per million tokens (e.g. 0.1,0.4), "
                              f"or MODEL=IN,OUT entries separated by ';'") from None
        if pin < 0 or pout < 0:
            raise ConfigError(f"bad --price {text!r}: prices must be >= 0")
        out[name.strip() or model] = (pin / 1e6, pout / 1e6)
    return out


def cost_model(model: str, price: str | None) -> CostModel:
    cost = CostModel()
    cost.model_prices.update(parse_prices(price, model))
    return cost


def check_sandbox(name: str) -> None:
    from sandboxes import SandboxUnavailable, available_backends

    backends = available_backends()
    if name not in backends:
        raise ConfigError(f"unknown sandbox {name!r}: choose one of {', '.join(backends)}")
    if backends[name] is not None:
        raise SandboxUnavailable(backends[name])


def check_model(name: str, api_base: str | None) -> None:
    """Fail fast (before a run directory is written) on unknown or missing models."""
    from agents.models import get_model

    get_model(name, **({"api_base": api_base} if api_base else {}))


def runtime_config(*, pipeline: str, options: dict[str, Any], model: str, budget: Budget, sandbox: str,
                   api_base: str | None, price: str | None, check: bool = True) -> dict[str, Any]:
    """The run config for these settings; with `check`, validates price, sandbox and model first."""
    if check:
        parse_prices(price)
        check_sandbox(sandbox)
        check_model(model, api_base)
    return {"pipeline": pipeline, "options": options, "model": model, "budget": budget.model_dump(),
            "sandbox": sandbox, "api_base": api_base, "price": price}


def budget_of(cfg: dict[str, Any]) -> Budget:
    """The Budget a run config stores; a damaged one is a ConfigError, not a traceback."""
    try:
        return Budget(**(cfg.get("budget") or {}))
    except (TypeError, ValueError, BudgetError) as exc:
        errs = exc.errors() if hasattr(exc, "errors") else []
        why = (f"{'.'.join(str(p) for p in errs[0]['loc'])}: {errs[0]['msg']}" if errs
               else (str(exc).splitlines() or [type(exc).__name__])[0])
        raise ConfigError(f"the run's budget {cfg.get('budget')!r} is invalid ({why}); start a new run") from None


def build_runtime(cfg: dict[str, Any], on_event=None, models: dict | None = None):
    """The Runtime a run config describes (model, budget, prices, sandbox, model options)."""
    from agents.runtime import Runtime

    for key in ("model", "sandbox"):
        if not isinstance(cfg.get(key), str):
            raise ConfigError(f"the run config has no {key!r}; it cannot be run or resumed")
    opts = {"api_base": cfg["api_base"]} if cfg.get("api_base") else {}
    return Runtime(model=cfg["model"], budget=budget_of(cfg), cost_model=cost_model(cfg["model"], cfg.get("price")),
                   sandbox=cfg["sandbox"], model_options=opts, on_event=on_event, models=models,
                   seed=_seed(cfg))


def _seed(cfg: dict[str, Any]) -> int:
    """The run's base seed (run.json `seed`; 0 when absent, as a fresh run's default)."""
    seed = cfg.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ConfigError(f"the run config's seed {seed!r} is not a whole number; fix or remove it in run.json")
    return seed
