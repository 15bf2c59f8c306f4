"""`scaleagent env build INSTANCES.jsonl`: prepare every instance's test environment ahead of a run
(sandboxes.pyenv). `bench swe` and `solve` build missing ones themselves; this does it up front,
with a progress bar, one line per instance and exit code 1 when any could not be built."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer

from agents.cli_support import emit_json

env_app = typer.Typer(no_args_is_help=True, help="Per-repository test environments (cached venvs).")


def build_all(instances_file: Path, ids: list[str] | None = None, on_done=None) -> list[dict[str, Any]]:
    """One row per instance: id, status (built | cached | not needed | error), key, python, reason."""
    from sandboxes.pyenv import BUILDS, EnvError, environment_for, plan_for

    from agents.errors import ConfigError
    from agents.swe.bench import load_selected
    from agents.swe.instances import materialize_repo

    insts = load_selected(instances_file, ids)
    rows = []
    for inst in insts:
        row: dict[str, Any] = {"instance_id": inst.instance_id, "status": "error", "key": None, "python": None,
                               "reason": ""}
        try:
            repo = materialize_repo(inst)
            plan = plan_for(repo, inst.base_commit)
            row["key"] = plan.key()
            before = BUILDS[plan.key()]
            env = environment_for(repo, inst.base_commit)
            row["python"] = env.python
            row["status"] = ("not needed" if env.python is None else
                             "built" if BUILDS[plan.key()] > before else "cached")
        except (ConfigError, EnvError) as exc:
            row["reason"] = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        rows.append(row)
        if on_done:
            on_done(row)
    return rows


@env_app.command("build")
def env_build(instances: Path = typer.Argument(..., help="SWE-bench instances (JSONL or JSON)"),
              ids: Optional[str] = typer.Option(None, "--ids", help="Comma-separated instance ids"),
              as_json: bool = typer.Option(False, "--json", help="One JSON list on stdout")) -> None:
    """Build (or find cached) the test environment of every instance; exit 1 if any failed."""
    from rich.console import Console
    from rich.markup import escape
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from agents.swe.instances import load_instances

    total = len(load_instances(instances)) if not ids else len(ids.split(","))
    con = Console(stderr=True)
    colors = {"built": "green", "cached": "green", "not needed": "dim", "error": "red"}
    with Progress(TextColumn("environments"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=con, transient=False) as bar:
        task = bar.add_task("build", total=total)

        def done(row: dict) -> None:
            why = f": {escape(row['reason'])}" if row["reason"] else ""
            bar.console.print(f"{escape(row['instance_id'])}: [{colors[row['status']]}]{row['status']}[/]{why}",
                              highlight=False)
            bar.advance(task)

        rows = build_all(instances, ids.split(",") if ids else None, done)
    if as_json:
        emit_json(rows)
    bad = [r for r in rows if r["status"] == "error"]
    con.print(f"{len(rows) - len(bad)} of {len(rows)} environments ready" + (f"; {len(bad)} failed" if bad else ""))
    if bad:
        raise SystemExit(1)


def register(app: typer.Typer, bench_app: typer.Typer) -> None:
    app.add_typer(env_app, name="env")
