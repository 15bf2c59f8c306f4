"""Run planned tasks over arms through the runner, with the live progress bar, for the commands that
plan their own tasks and arms (`bench web`, `bench gui`):

    summary = drive("gui", fragments, arms, out=OUT, workers=2, timeout=600, label="gui")

`batch` (a Budget, `--batch-budget`): every arm's tasks draw their caps from it (agents.bench.batch).
`models` (model objects of this process: a scripted model in a test) runs the cells in this process
(agents.bench.inline); otherwise local worker processes or Ray (`executor`). `preload` names modules
every worker imports first (a `--plugin` that provides a model). `layout="by_arm"` puts a task's run
directory at OUT/<arm>/<task> (OUT/<task> when there is one arm and `flat_single`).
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Callable

from agents.bench.arms import Arm

_PLAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._=,+-]{0,120}")


def check_executor(name: str, address: str | None) -> None:
    """--executor / --address, checked before anything is built or written."""
    from agents.errors import ConfigError

    if name not in ("local", "ray"):
        raise ConfigError(f"bad --executor {name!r}: choose local or ray")
    if address and name != "ray":
        raise ConfigError("--address is for --executor ray")


def arm_dir(out: Path, arm_id: str) -> Path:
    """OUT/<arm>: the arm's name as it is when it is a plain file name (arm names are), else made safe."""
    from agents.paths import id_path

    return Path(out) / arm_id if _PLAIN.fullmatch(arm_id) else id_path(Path(out), arm_id)


def arm_layout(out: Path, arms: list[Arm], flat_single: bool = False) -> Callable[[Arm, str], Path]:
    from agents.paths import id_path

    if flat_single and len(arms) == 1:
        return lambda arm, task_id: id_path(Path(out), task_id)
    return lambda arm, task_id: id_path(arm_dir(out, arm.arm_id), task_id)


def default_workers(models: list[str], executor: str) -> int | None:
    """Concurrent tasks when --workers is not given: Ray's own CPUs; 1 for a local model (it uses every
    core and serves one request at a time); else this machine's CPUs."""
    if executor == "ray":
        return None
    if any(m.startswith("local/") for m in models):
        return 1
    return os.cpu_count() or 1


def drive(kind: str, fragments: list[dict[str, Any]], arms: list[Arm], *, out: Path, executor: str = "local",
          workers: int | None = None, timeout: float | None = None, address: str | None = None,
          models: dict[str, Any] | None = None, after_cell: Callable[[], None] | None = None,
          preload: list[str] | None = None, run_dir_for: Callable[[Arm, str], Path] | None = None,
          label: str | None = None, quiet: bool = False, retry_errors: bool = False,
          on_row: Callable[[dict], None] | None = None, task_major: bool = False, batch: Any = None) -> dict[str, Any]:
    from contextlib import nullcontext

    from rich.console import Console

    from agents.bench.progress import BenchProgress
    from agents.bench.runner import Runner, check_arms, make_executor
    from agents.paths import ensure_dir
    from agents.redact import redact

    if models:
        from agents.bench import cell

        cell._MODELS.update(models)  # by the names the caller gives them
    check_arms(arms, batch)  # every error a user can fix is one line before anything is written
    if models:
        from agents.bench.inline import InlineExecutor

        ex: Any = InlineExecutor(models, after_cell)
    else:
        ex = make_executor(executor, workers=workers or default_workers([a.model for a in arms], executor) or 0,
                           timeout=timeout, address=address)
    ensure_dir(out, "--out")
    con = Console(stderr=True)
    bar: Any = BenchProgress(con, label, transient=quiet) if label else nullcontext(None)

    with bar as progress:
        def on_event(e: dict[str, Any]) -> None:
            if progress is not None:
                progress(e)
            if on_row is not None and e["event"] == "row":
                on_row(e["row"])

        return Runner(kind, fragments, arms, out=out, executor=ex, on_event=on_event, retry_errors=retry_errors,
                      preload=preload, run_dir_for=run_dir_for, task_major=task_major, batch=batch,
                      warn=lambda m: con.print(f"scaleagent: warning: {redact(m)}", highlight=False, markup=False,
                                               soft_wrap=True)).run()

