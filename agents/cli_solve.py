"""`scaleagent solve`: fix one GitHub issue (from --repo/--issue or --instance) and print the patch."""
from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from budgets import Budget

from agents.cli_support import build_runtime, die, emit_json, progress_printer, runtime_config
from agents.errors import ConfigError


def pick_instance(repo: str | None, issue: str | None, base_commit: str | None, instance: Path | None,
                  instance_id: str | None):
    from agents.swe import instance_from_issue

    if instance and (repo or issue):
        raise ConfigError("give either --instance FILE or --repo with --issue, not both")
    if instance:
        from agents.swe.register import one_instance

        return one_instance(instance, instance_id, "--id", " (or use `scaleagent bench swe` for all)")
    if not repo or not issue:
        raise ConfigError("give --repo PATH_OR_URL and --issue FILE_OR_TEXT, or --instance FILE.json")
    return instance_from_issue(repo, issue, base_commit)


def solve_command(*, repo: str | None, issue: str | None, base_commit: str | None, instance: Path | None,
                  instance_id: str | None, mode: str, model: str, budget: Budget, k: int, sandbox: str,
                  edit_format: str, run_dir: Path | None, api_base: str | None, price: str | None,
                  as_json: bool, plan: Path | None = None) -> None:
    from agents.swe import MODES, solve_instance
    from agents.swe.patch import FORMATS

    if mode not in MODES:
        raise ConfigError(f"bad --mode {mode!r}: choose one of {', '.join(MODES)}")
    if edit_format not in FORMATS:
        raise ConfigError(f"bad --edit-format {edit_format!r}: choose one of {', '.join(FORMATS)}")
    from agents.paths import ensure_dir, id_path

    loaded = load_plan(plan)
    inst = pick_instance(repo, issue, base_commit, instance, instance_id)
    cfg = runtime_config(pipeline="swe", options={"mode": mode, "k": k}, model=model, budget=budget,
                         sandbox=sandbox, api_base=api_base, price=price)
    rt = build_runtime(cfg)
    if run_dir is not None:
        ensure_dir(run_dir, "--run-dir")
    run_dir = run_dir or id_path(Path("runs"), f"{time.strftime('%Y%m%d-%H%M%S')}-{inst.instance_id}")
    result = asyncio.run(solve_instance(inst, model=model, budget=budget, sandbox=sandbox, run_dir=run_dir,
                                        mode=mode, k=k, edit_format=edit_format, cost_model=rt.tracker.cost_model,
                                        on_event=progress_printer(as_json), model_options=rt.model_options,
                                        config=cfg, plan=loaded))
    report(result, as_json)


def load_plan(path: Path | None):
    """`--plan FILE`: the allocation plan (budgets.plan.Plan), or None; a bad file is a one-line error.
    A plan that names a stage the pipeline lacks is refused when the pipeline is built."""
    if path is None:
        return None
    from budgets.plan import Plan

    return Plan.load(path)


def checks_line(result: Any) -> str | None:
    """One line (rich markup) on what verification said of `result`'s patch; None without a patch."""
    from agents.swe.register import checks_line as line

    return line(result.checks, bool(result.model_patch))


def report(result: Any, as_json: bool) -> None:
    """Print a SolveResult; a run whose model calls all failed then exits 3 with its first error."""
    if as_json:
        emit_json(result.model_dump())
    else:
        _print(result)
    if getattr(result, "error", None):
        die(f"the run failed: no model call succeeded; first error: {result.error}", 3)


def _print(result: Any) -> None:
    from rich.console import Console
    from rich.syntax import Syntax

    con = Console()
    if result.model_patch:
        con.print(Syntax(result.model_patch, "diff", theme="ansi_dark"))
    else:
        con.print("[yellow]no patch produced[/]")
    line = checks_line(result)
    if line:
        con.print(line)
    s = result.spend
    con.print(f"{result.instance_id}: {result.status} in {result.steps} steps, {result.wall_s:.1f}s; unified cost "
              f"${s['cost_usd']:.6f}, {s['input_tokens']}+{s['output_tokens']} tokens, {s['model_calls']} model "
              f"calls, tools {s['tool_calls']}")
    eb = getattr(result, "env_build", None) or {}
    if eb.get("status") in ("built", "cached", "error"):  # the test environment, built before the run: not charged
        from sandboxes.pyenv import describe
        con.print(f"test environment (not charged): {describe(eb)}", markup=False, highlight=False)
    con.print(f"run directory: {result.run_dir} (patch.diff, predictions.jsonl, trajectory.jsonl)")
