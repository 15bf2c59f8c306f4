"""`scaleagent bench swe INSTANCES.jsonl`: solve (or take --predictions) and grade SWE-bench instances.

Solving runs through the one benchmark runner (agents.swe.bench_runner: arms, store, workers, resume, Ray);
grading given --predictions (no model loop) and the input checks live in `agents.swe.bench`.
"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any, Optional

import typer

from agents.cli_support import BATCH_HELP, SEED_HELP, emit_json
from agents.config import DEFAULT_MODEL, DEFAULT_SANDBOX, load_budget
from agents.errors import ConfigError
from agents.paths import id_path
from agents.swe.bench import execute_bench_swe, plan_bench_swe


def bench_swe(
    instances: Path = typer.Argument(..., help="SWE-bench instances (JSONL or JSON)"),
    predictions: Optional[Path] = typer.Option(None, "--predictions", help="Grade these predictions (SWE-bench JSONL) instead of solving"),
    out: Optional[Path] = typer.Option(None, "--out", help="Output directory (resumable: graded instances are kept)"),
    workers: Optional[int] = typer.Option(None, "--workers", "-j", min=1, help="Concurrent instances (default: CPU count; 1 solver for local/ models)"),
    sandbox: str = typer.Option(DEFAULT_SANDBOX, "--sandbox", help="bwrap | docker | local"),
    model: Optional[list[str]] = typer.Option(None, "--model", "-m", help="local/<name>, or any litellm model id; "
                                              f"repeat (or a,b) to sweep [default: {DEFAULT_MODEL}]"),
    budget: Optional[list[str]] = typer.Option(None, "--budget", "-b", help="Caps per instance, e.g. usd=0.5,tokens=200k; "
                                               "repeat to sweep budgets"),
    budget_file: Optional[Path] = typer.Option(None, "--budget-file", help="YAML file with a budget mapping"),
    batch_budget: Optional[str] = typer.Option(None, "--batch-budget", help=BATCH_HELP),
    mode: str = typer.Option("scaled", "--mode", help="single | best_of_n | scaled, or a list to sweep "
                                                      "(single,best_of_n,scaled)"),
    k: str = typer.Option("4", "--k", help="Candidates per step (best_of_n and scaled), or a list to sweep (1,2,4,8)"),
    seed: str = typer.Option("0", "--seed", help=SEED_HELP),
    plan_file: Optional[Path] = typer.Option(None, "--plan", help="Allocation plan YAML for every arm (per-stage "
                                                                  "share, k, temperature, model)"),
    edit_format: str = typer.Option("auto", "--edit-format",
                                    help="auto (whole file, or function in long files) | file | function | search_replace"),
    ids: Optional[str] = typer.Option(None, "--ids", help="Comma-separated instance ids (default: all)"),
    timeout: float = typer.Option(900, "--timeout", min=1, help="Seconds for one instance's test run"),
    task_timeout: Optional[float] = typer.Option(None, "--task-timeout", min=1, help="Seconds one instance's solve and grade may run (then it is stopped: error)"),
    executor: str = typer.Option("local", "--executor", help="local (worker processes) | ray"),
    address: Optional[str] = typer.Option(None, "--address", help="Ray cluster address (ray://HEAD:10001 or auto)"),
    retry_errors: bool = typer.Option(False, "--retry-errors", help="Solve instances that ended in error again"),
    plugin: Optional[list[str]] = typer.Option(None, "--plugin", help="A module every worker imports first (e.g. one that provides a model)"),
    api_base: Optional[str] = typer.Option(None, "--api-base", help="Base URL of an OpenAI-compatible server"),
    price: Optional[str] = typer.Option(None, "--price", help="IN,OUT dollars per million tokens"),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object on stdout (progress goes to stderr)"),
) -> None:
    """Solve and grade SWE-bench instances (or grade --predictions): resolved / unresolved / error. Solving
    goes through the benchmark runner (OUT/results.sqlite, workers, resume after a kill, --executor ray)."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from agents.redact import redact

    from agents.bench import parse_ks, split_list
    from agents.bench.arms import parse_seeds
    from agents.bench.drive import check_executor
    from agents.cli_bench import import_plugins, sweep

    modes, ks, models = split_list(mode, "--mode"), parse_ks(k), split_list(model, "--model") or [DEFAULT_MODEL]
    seeds = parse_seeds(seed, "--seed")
    for m in modes:
        if m not in ("single", "scaled", "best_of_n"):
            raise ConfigError(f"bad --mode {m!r}: choose single, best_of_n or scaled (or a list of them)")
    if predictions is not None and (executor != "local" or task_timeout or retry_errors or plan_file or batch_budget
                                    or seeds != [0]):
        raise ConfigError("--executor, --task-timeout, --retry-errors, --plan, --batch-budget and --seed are for "
                          "solving, not for --predictions")
    if predictions is not None and (len(models) > 1 or len(budget or []) > 1):
        raise ConfigError("--predictions grades one set of predictions: give one --model and no budget sweep")
    check_executor(executor, address)
    from agents.bench.batch import parse_batch

    batch = parse_batch(batch_budget)
    preload = import_plugins(plugin)
    bud = load_budget(budget[0] if budget else None, budget_file) if predictions is None else None
    out = out or Path("runs") / f"swe-{time.strftime('%Y%m%d-%H%M%S')}"
    arms = None if predictions is not None else sweep(  # every mode × k × budget × model is an arm
        "swe", modes=modes, ks=ks, budgets=budget, budget_file=budget_file, models=models, sandbox=sandbox,
        api_base=api_base, price=price, options={"edit_format": edit_format}, plan=plan_file, seeds=seeds)
    plan = plan_bench_swe(instances, predictions_file=predictions, out=out, workers=workers, sandbox=sandbox,
                          model=models[0], budget=bud, mode=modes[0], k=ks[0], edit_format=edit_format,
                          api_base=api_base, price=price, ids=ids.split(",") if ids else None, timeout=timeout)
    if arms is not None:  # solving: through the one runner
        from agents.swe import bench_runner

        summary = bench_runner.run(plan, arms, executor=executor, workers=workers, task_timeout=task_timeout,
                                   address=address, preload=preload, quiet=as_json, retry_errors=retry_errors,
                                   batch=batch)
        _print(summary, out, as_json, solving=True)
        return
    con = Console(stderr=as_json)
    counts = {"resolved": 0, "unresolved": 0, "error": 0}
    with Progress(TextColumn("[bold]swe[/]"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TextColumn("{task.fields[info]}"), TimeElapsedColumn(), console=con, transient=as_json) as bar:
        job = bar.add_task("swe", total=None, info="")

        def progress_hook(e: dict) -> None:  # grading only: no model, no spend
            if e["event"] == "warning":
                con.print(f"scaleagent: warning: {redact(e['message'])}", highlight=False, markup=False, soft_wrap=True)
            elif e["event"] == "start":
                bar.update(job, total=e["total"])
            elif e["event"] == "done":
                counts[e["report"]["status"]] += 1
                bar.advance(job)
                bar.update(job, info=f"resolved {counts['resolved']}  unresolved {counts['unresolved']}  "
                                     f"error {counts['error']}")

        summary = execute_bench_swe(plan, on_progress=progress_hook)
    _print(summary, out, as_json, solving=False)


def _print(summary: dict[str, Any], out: Path, as_json: bool, solving: bool) -> None:
    from rich.console import Console
    from rich.markup import escape

    from agents.redact import redact

    if as_json:
        emit_json(summary)
        return
    con = Console()
    for arm, one in (summary["arms"] if "arms" in summary else {"": summary}).items():
        root = Path(one["out"])
        con.print(f"{escape(arm) + ': ' if arm else ''}[bold]{one['resolved']}/{one['total']} resolved[/] "
                  f"({one['unresolved']} unresolved, {one['error']} error) in {one['wall_s']:.1f}s")
        for iid in one["error_ids"]:
            rep = json.loads((id_path(root, iid) / "report.json").read_text())
            con.print(f"  [red]error[/] {escape(iid)}: {escape(redact(rep['reason'])[:150])}", highlight=False)
        if solving:
            s = one["spend"]
            con.print(f"  unified cost ${s['cost_usd']:.6f}, {s['input_tokens']}+{s['output_tokens']} tokens, "
                      f"{s['model_calls']} model calls")
    from agents.bench.seeds import describe

    for cell, row in (summary.get("over_seeds") or {}).items():
        con.print(escape(describe(cell, row, "resolved")), highlight=False)
    con.print(f"reports and summary.json in {out}; `scaleagent report {out} --html report.html` draws them")


def swe_coverage(
    arm_dir: Path = typer.Argument(..., help="One arm's directory of a finished `bench swe` run (OUT, or OUT/<arm>)"),
    instances: Path = typer.Option(..., "--instances", help="The instances file the run solved (JSONL or JSON)"),
    sandbox: str = typer.Option(DEFAULT_SANDBOX, "--sandbox", help="bwrap | docker | local"),
    timeout: float = typer.Option(900, "--timeout", min=1, help="Seconds for one candidate's test run"),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object on stdout (progress goes to stderr)"),
) -> None:
    """Grade every patch candidate of a finished run, not only the selected one: how many instances some
    candidate resolves (coverage) against how many the selected patch resolves (selection)."""
    import sys

    from agents.swe.coverage import CACHE, coverage
    from agents.swe.instances import load_instances

    if not arm_dir.is_dir():
        raise ConfigError(f"{arm_dir} is not a directory: give the --out of a finished `bench swe` run")
    try:
        insts = load_instances(instances)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read --instances {instances}: {str(exc).splitlines()[0]}") from None

    def progress(iid: str, i: int, n: int, status: str) -> None:
        print(f"{iid}: candidate {i}/{n} {status}", file=sys.stderr, flush=True)

    summary = coverage(insts, arm_dir, sandbox=sandbox, timeout=timeout, on_grade=progress)
    if as_json:
        emit_json(summary)
        return
    for row in summary["per_instance"]:
        print(f"{row['instance_id']}: {row['resolving']}/{row['candidates']} candidates resolve; selected "
              f"{row['selected']}; {row['no_edit']} of {row['samples']} patch replies were no edit, "
              f"{row['follow_up_edits']} of {row['follow_ups']} follow-ups an edit")
    print(f"covered {summary['covered']}/{summary['instances']} (some candidate resolves), selected "
          f"{summary['selected_resolved']}/{summary['instances']}; selection missed: "
          f"{', '.join(summary['selection_misses']) or 'none'}; grades cached in {arm_dir / CACHE}")


def register(bench_app: typer.Typer) -> None:
    """Add `swe` and `swe-coverage` to a `bench` command group."""
    bench_app.command("swe")(bench_swe)
    bench_app.command("swe-coverage")(swe_coverage)


def make_bench_app() -> typer.Typer:
    """The `bench` group: `swe`, and `bench KIND …` for any registered pipeline without a command of its
    own (the runner in agents.bench; `bench run KIND …` is the same). cli.py adds `humaneval`; other
    modules add theirs. A name that is neither a command nor a pipeline is a one-line ConfigError."""
    from typer.core import TyperGroup

    from agents.cli_bench import bench_kind

    class BenchGroup(TyperGroup):
        def resolve_command(self, ctx, args):
            if args and not args[0].startswith("-") and args[0] not in self.commands:
                if "--plugin" in args or _is_pipeline(args[0]):
                    return "run", self.commands["run"], args
                from agents import pipelines

                names = sorted(set(self.commands) - {"run"} | set(pipelines.names()))
                raise ConfigError(f"unknown benchmark {args[0]!r}: choose {', '.join(names)}")
            return super().resolve_command(ctx, args)

    bench_app = typer.Typer(cls=BenchGroup, no_args_is_help=True, help="Solve and grade a benchmark suite.")
    register(bench_app)
    bench_app.command("run")(bench_kind)
    return bench_app


def _is_pipeline(name: str) -> bool:
    from agents import pipelines

    return name in pipelines.names()


def main() -> None:  # `python -m agents.cli_swe INSTANCES …` = `scaleagent bench swe INSTANCES …`
    import sys

    from agents.cli_support import run_cli

    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    app.command()(bench_swe)
    run_cli(app, sys.argv[1:], prog_name="scaleagent bench swe")


if __name__ == "__main__":
    main()
