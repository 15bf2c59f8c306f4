"""CLI plumbing: one-line errors, JSON output and progress lines, all with credentials redacted.
Settings shared with the pipelines (default model, budgets, prices, runtime) live in agents.config."""
from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

import typer

from budgets import BudgetError, BudgetExceeded

from agents.config import (DEFAULT_MODEL, DEFAULT_SANDBOX, build_runtime, check_model, check_sandbox,  # noqa: F401
                           load_budget, runtime_config)
from agents.errors import ScaleAgentError
from agents.redact import redact, redact_obj


def die(message: str, code: int = 2) -> NoReturn:
    line = " ".join(redact(str(message)).split()) or "unknown error"
    typer.echo(f"scaleagent: error: {line}", err=True)
    raise SystemExit(code)


BATCH_HELP = ("One budget per arm that its tasks draw from, e.g. tokens=200k,run_tests=100: each task gets a "
              "share of what is left as it starts (capped by --budget); what it leaves unspent goes to later tasks")
SEED_HELP = ("Base seed of the sampled calls; a list (0,1,2 or 0-2) runs every arm once per seed and the "
             "summary gives each cell's count per seed, mean and range")
INTERRUPTED = ("interrupted; continue a run with `scaleagent resume RUN_DIR`, a bench by running the same command "
               "again (finished tasks are kept)")


def _interrupted(e: BaseException) -> bool:
    seen: set[int] = set()
    cur: BaseException | None = e
    while cur is not None and id(cur) not in seen:
        if isinstance(cur, KeyboardInterrupt):
            return True
        seen.add(id(cur))
        cur = cur.__cause__ or cur.__context__
    return False


def _cli_errors() -> tuple[tuple[type, ...], tuple[type, ...]]:
    """(usage and other command-line errors, aborts) of typer's click: typer >= 0.29 vendors its own
    (under `typer.TyperException`), older ones use click's."""
    errors, aborts = [], [typer.Abort]
    if hasattr(typer, "TyperException"):
        errors.append(typer.TyperException)
    try:
        import click
        errors.append(click.ClickException)
        aborts.append(click.Abort)
    except ImportError:  # pragma: no cover - typer without click
        pass
    return tuple(errors), tuple(aborts)


def run_cli(app: typer.Typer, argv: list[str], prog_name: str = "scaleagent") -> None:
    """Run the typer app; every known error becomes one line on stderr and a non-zero exit code, a
    usage error too (click's own format is a usage line, a hint and a framed message)."""
    from sandboxes import SandboxUnavailable

    cli_errors, aborts = _cli_errors()
    try:
        rv = app(argv, prog_name=prog_name, standalone_mode=False)
    except cli_errors as e:
        kinds = {c.__name__ for c in type(e).__mro__}
        if "NoArgsIsHelpError" in kinds:  # `scaleagent` or a group alone: its help
            e.show()
            raise SystemExit(e.exit_code) from None
        ctx = getattr(e, "ctx", None) if "UsageError" in kinds else None
        where = f" (see `{ctx.command_path} --help`)" if ctx is not None else ""
        die(f"{e.format_message()}{where}", getattr(e, "exit_code", 2))
    except aborts:
        die("aborted", 1)
    except (ScaleAgentError, BudgetError, BudgetExceeded, SandboxUnavailable) as e:
        die(str(e).splitlines()[0] if str(e) else type(e).__name__, getattr(e, "exit_code", 2))
    except KeyboardInterrupt:
        die(INTERRUPTED, 130)
    except SystemExit as e:  # an exit 130 caused by Ctrl-C: say what to do next
        if e.code == 130 and _interrupted(e):
            die(INTERRUPTED, 130)
        raise
    except OSError as e:  # a full or read-only disk mid-run, a path that turned into a file
        where = f": {e.filename}" if getattr(e, "filename", None) else ""
        die(f"{e.strerror or type(e).__name__}{where}", 2)
    if rv == 130:  # outside standalone mode typer returns Ctrl-C in a command as exit code 130
        die(INTERRUPTED, 130)
    if isinstance(rv, int) and not isinstance(rv, bool) and rv:
        raise SystemExit(rv)


def emit_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(redact_obj(json.loads(json.dumps(obj, default=str)))) + "\n")


def progress_printer(quiet_stdout: bool):
    """Print one line per finished step (to stderr when stdout carries JSON)."""
    from rich.console import Console
    from rich.markup import escape

    con = Console(stderr=True) if quiet_stdout else Console()

    def on_event(e: dict[str, Any]) -> None:
        if e["event"] == "step_end":
            d = e["decision"]
            con.print(f"[cyan]{e['stage']}[/] step {e['step']}: [bold]{d['action']}[/] — "
                      f"{escape(redact(d['reason'])[:90])}  [dim]| {e['budget']}[/]", highlight=False)
        elif e["event"] == "model_error":
            con.print(f"[yellow]{e['stage']}: model error: {escape(redact(str(e['error']))[:120])}[/]",
                      highlight=False)
    return on_event
