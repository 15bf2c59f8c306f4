"""CLI plumbing: one-line errors, budget/price parsing, runtime construction, progress output."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, NoReturn

import typer

from budgets import Budget, BudgetError, BudgetExceeded, CostModel

from agents.errors import ConfigError, ScaleAgentError

DEFAULT_MODEL = "local/qwen2.5-coder-0.5b"


def die(message: str, code: int = 2) -> NoReturn:
    typer.echo(f"scaleagent: error: {message}", err=True)
    raise SystemExit(code)


def run_cli(app: typer.Typer, argv: list[str]) -> None:
    """Run the typer app; every known error becomes one line on stderr and a non-zero exit code."""
    from sandboxes import SandboxUnavailable

    try:
        app(argv, standalone_mode=True)
    except (ScaleAgentError, BudgetError, BudgetExceeded, SandboxUnavailable) as e:
        die(str(e).splitlines()[0] if str(e) else type(e).__name__, getattr(e, "exit_code", 2))
    except KeyboardInterrupt:
        die("interrupted; a run with a run directory can be continued with `scaleagent resume RUN_DIR`", 130)


def emit_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, default=str) + "\n")


def load_budget(text: str | None, path: Path | None) -> Budget:
    if text and path:
        raise ConfigError("give either --budget or --budget-file, not both")
    if path:
        return Budget.from_yaml(path)
    return Budget.parse(text) if text else Budget()


def parse_price(text: str | None) -> tuple[float, float] | None:
    """`IN,OUT` dollars per million tokens → dollars per token."""
    if not text:
        return None
    try:
        pin, pout = (float(x) for x in text.split(","))
    except ValueError:
        raise ConfigError(f"bad --price {text!r}: expected IN,OUT dollars per million tokens, e.g. 0.1,0.4") from None
    if pin < 0 or pout < 0:
        raise ConfigError(f"bad --price {text!r}: prices must be >= 0")
    return pin / 1e6, pout / 1e6


def runtime_config(*, pipeline: str, options: dict[str, Any], model: str, budget: Budget, sandbox: str,
                   api_base: str | None, price: str | None) -> dict[str, Any]:
    parse_price(price)  # validate now, before anything runs
    check_sandbox(sandbox)
    check_model(model, api_base)
    return {"pipeline": pipeline, "options": options, "model": model, "budget": budget.model_dump(),
            "sandbox": sandbox, "api_base": api_base, "price": price}


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


def build_runtime(cfg: dict[str, Any], on_event=None, models: dict | None = None):
    from agents.runtime import Runtime

    cost = CostModel()
    price = parse_price(cfg.get("price"))
    if price:
        cost.model_prices[cfg["model"]] = price
    opts = {"api_base": cfg["api_base"]} if cfg.get("api_base") else {}
    return Runtime(model=cfg["model"], budget=Budget(**cfg["budget"]), cost_model=cost, sandbox=cfg["sandbox"],
                   model_options=opts, on_event=on_event, models=models)


def progress_printer(quiet_stdout: bool):
    """Print one line per finished step (to stderr when stdout carries JSON)."""
    from rich.console import Console

    con = Console(stderr=True) if quiet_stdout else Console()

    def on_event(e: dict[str, Any]) -> None:
        if e["event"] == "step_end":
            d = e["decision"]
            con.print(f"[cyan]{e['stage']}[/] step {e['step']}: [bold]{d['action']}[/] — {d['reason'][:90]}"
                      f"  [dim]| {e['budget']}[/]", highlight=False)
        elif e["event"] == "model_error":
            con.print(f"[yellow]{e['stage']}: model error: {e['error'][:120]}[/]", highlight=False)
    return on_event
