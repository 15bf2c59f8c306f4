"""`scaleagent env build INSTANCES.jsonl`: prepare every instance's test environment ahead of a run
(sandboxes.pyenv). `bench swe` and `solve` build missing ones themselves; this does it up front,
with a progress bar, one line per instance and exit code 1 when any could not be built. A failed
build is remembered on disk (no rebuild per instance or process) until `env build --retry`.
`--sandbox docker` also makes each environment's docker image (sandboxes/pyenv/image.py)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer

from agents.cli_support import emit_json

env_app = typer.Typer(no_args_is_help=True, help="Per-repository test environments (cached venvs, and their docker images).")


def build_all(instances_file: Path, ids: list[str] | None = None, on_done=None, *, retry: bool = False,
              backend: str = "bwrap") -> list[dict[str, Any]]:
    """One row per instance: id, status (built | cached | not needed | error), key, python, seconds, reason.
    `retry`: forget remembered failures first (sandboxes.pyenv.failures); `backend` docker: the images too."""
    from sandboxes.pyenv import EnvError, cache_root, environment_for, plan_for, prepare
    from sandboxes.pyenv.failures import forget

    from agents.errors import ConfigError
    from agents.swe.bench import load_selected
    from agents.swe.instances import materialize_repo

    insts = load_selected(instances_file, ids)
    rows = []
    for inst in insts:
        row: dict[str, Any] = {"instance_id": inst.instance_id, "status": "error", "key": None, "python": None,
                               "seconds": 0.0, "reason": ""}
        try:
            repo = materialize_repo(inst)
            if retry:
                forget(cache_root(), plan_for(repo, inst.base_commit).key())
            row |= prepare(repo, inst.base_commit, backend)
            if row["status"] in ("built", "cached"):
                row["python"] = environment_for(repo, inst.base_commit).python
        except (ConfigError, EnvError) as exc:
            row["reason"] = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        rows.append(row)
        if on_done:
            on_done(row)
    return rows


@env_app.command("build")
def env_build(instances: Path = typer.Argument(..., help="SWE-bench instances (JSONL or JSON)"),
              ids: Optional[str] = typer.Option(None, "--ids", help="Comma-separated instance ids"),
              as_json: bool = typer.Option(False, "--json", help="One JSON list on stdout"),
              retry: bool = typer.Option(False, "--retry", help="Build again the environments whose build failed "
                                         "before (failures are remembered on disk until then)"),
              sandbox: str = typer.Option("bwrap", "--sandbox", help="docker: also make each environment's image")) -> None:
    """Build (or find cached) the test environment of every instance; exit 1 if any failed."""
    from rich.console import Console
    from rich.markup import escape
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from sandboxes.pyenv import describe

    from agents.swe.instances import load_instances

    if sandbox not in ("bwrap", "local", "docker"):
        typer.echo(f"error: bad --sandbox {sandbox!r}: choose bwrap, local or docker", err=True)
        raise SystemExit(2)
    total = len(load_instances(instances)) if not ids else len(ids.split(","))
    con = Console(stderr=True)
    colors = {"built": "green", "cached": "green", "not needed": "dim", "error": "red"}
    with Progress(TextColumn("environments"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=con, transient=False) as bar:
        task = bar.add_task("build", total=total)

        def done(row: dict) -> None:
            bar.console.print(f"{escape(row['instance_id'])}: [{colors[row['status']]}]{escape(describe(row))}[/]",
                              highlight=False)
            bar.advance(task)

        rows = build_all(instances, ids.split(",") if ids else None, done, retry=retry, backend=sandbox)
    if as_json:
        emit_json(rows)
    bad = [r for r in rows if r["status"] == "error"]
    con.print(f"{len(rows) - len(bad)} of {len(rows)} environments ready" + (f"; {len(bad)} failed" if bad else ""))
    if bad:
        raise SystemExit(1)


def register(app: typer.Typer, bench_app: typer.Typer) -> None:
    app.add_typer(env_app, name="env")
