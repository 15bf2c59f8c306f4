"""`scaleagent tune PIPELINE --dev INSTANCES --budget ... --trials N`: search per-stage allocation
plans (share, K, temperature, model) on dev instances and write the best as a plan YAML that
`solve`/`run` load with `--plan`."""
from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any, Optional

import typer


def register(app: typer.Typer, bench_app: typer.Typer) -> None:
    from agents.cli import BudgetFileOpt, BudgetOpt, JsonOpt, ModelOpt, PriceOpt, SandboxOpt

    @app.command("tune")
    def tune_cmd(pipeline: str = typer.Argument(..., help="The pipeline to tune (swe)"),
                 dev: Path = typer.Option(..., "--dev", help="Dev instances (SWE-bench JSONL); grade them, tune on them"),
                 ids: Optional[str] = typer.Option(None, "--ids", help="Comma-separated instance ids of --dev"),
                 trials: int = typer.Option(4, "--trials", min=1, max=100,
                                            help="Dev evaluations per method (the tuning cost)"),
                 method: str = typer.Option("agentts", "--method", help="agentts | random | uniform | compare"),
                 model: str = ModelOpt, budget: Optional[str] = BudgetOpt, budget_file: Optional[Path] = BudgetFileOpt,
                 tuner_model: Optional[str] = typer.Option(None, "--tuner-model",
                                                           help="The LLM that proposes plans (agentts; default --model)"),
                 stage_models: Optional[str] = typer.Option(None, "--models",
                                                            help="Comma-separated models a stage may use"),
                 mode: str = typer.Option("scaled", "--mode", help="best_of_n | scaled"),
                 start: Optional[list[Path]] = typer.Option(
                     None, "--start", metavar="PLAN", help="A plan YAML to start from (repeatable): measured once, it is the first "
                                           "trial of random and agentts, and agentts proposes from its result"),
                 k: int = typer.Option(4, "--k", min=1, max=64, help="The pipeline's default K"),
                 out: Path = typer.Option(Path("plan.yaml"), "--out", help="Where to write the best plan"),
                 run_dir: Optional[Path] = typer.Option(None, "--run-dir", help="Where the trial runs go"),
                 seed: int = typer.Option(0, "--seed"), sandbox: str = SandboxOpt, price: Optional[str] = PriceOpt,
                 as_json: bool = JsonOpt) -> None:
        """Search allocation plans on dev instances (AgentTTS, random, uniform) and write the best."""
        tune_command(pipeline=pipeline, dev=dev, ids=ids, trials=trials, method=method, model=model,
                     budget=budget, budget_file=budget_file, tuner_model=tuner_model, stage_models=stage_models,
                     mode=mode, k=k, out=out, run_dir=run_dir, seed=seed, sandbox=sandbox, price=price,
                     as_json=as_json, start=start)


def tune_command(*, pipeline: str, dev: Path, ids: str | None, trials: int, method: str, model: str,
                 budget: str | None, budget_file: Path | None, tuner_model: str | None, stage_models: str | None,
                 mode: str, k: int, out: Path, run_dir: Path | None, seed: int, sandbox: str, price: str | None,
                 as_json: bool, models: dict[str, Any] | None = None,
                 start: list[Path] | None = None) -> dict[str, Any]:
    """The command; `models` pre-seeds the runtime's models by name (tests pass scripted ones)."""
    from agents.cli_support import emit_json, progress_printer
    from agents.config import check_model, check_sandbox, cost_model, load_budget
    from agents.errors import ConfigError
    from agents.swe.instances import load_instances
    from agents.tune.run import CHOICES, check_start, plans, tune, winner

    if method not in CHOICES:
        raise ConfigError(f"bad --method {method!r}: choose one of {', '.join(CHOICES)}")
    if mode not in ("best_of_n", "scaled"):
        raise ConfigError(f"bad --mode {mode!r}: tune best_of_n or scaled (single has nothing to allocate)")
    bud = load_budget(budget, budget_file)
    if bud.is_unlimited():
        raise ConfigError("tune needs a per-task --budget (the plans divide it)")
    from budgets.plan import Plan

    starts = [Plan.load(p) for p in start or []]
    check_start(starts, trials=trials, mode=mode, k=k)
    insts = load_instances(dev)
    if ids:
        wanted = [i.strip() for i in ids.split(",") if i.strip()]
        missing = [i for i in wanted if i not in {x.instance_id for x in insts}]
        if missing:
            raise ConfigError(f"no instance {missing[0]!r} in {dev}")
        insts = [i for i in insts if i.instance_id in wanted]
    if not insts:
        raise ConfigError(f"{dev} holds no instances")
    models = dict(models or {})
    names = [model, *(tuner_model and [tuner_model] or []), *((stage_models or "").split(","))]
    check_sandbox(sandbox)
    for name in dict.fromkeys(n.strip() for n in names if n.strip()):
        if name not in models:
            check_model(name, None)
    tuner_name = tuner_model or model
    if tuner_name not in models:
        from agents.models import get_model

        models[tuner_name] = get_model(tuner_name)
    run_dir = run_dir or Path("runs") / f"tune-{time.strftime('%Y%m%d-%H%M%S')}"
    from rich.console import Console

    err = Console(stderr=True) if as_json else Console()

    def on_trial(t) -> None:
        err.print(t.line(), highlight=False, markup=False)

    results = asyncio.run(tune(
        pipeline=pipeline, instances=insts, budget=bud, trials=trials, method=method, model=model,
        tuner=models[tuner_name], out_dir=run_dir, mode=mode, k=k, sandbox=sandbox,
        stage_models=tuple(s.strip() for s in (stage_models or "").split(",") if s.strip()),
        cost_model=cost_model(model, price), models=models, seed=seed, on_trial=on_trial,
        on_event=progress_printer(as_json), start=starts))
    found = plans(results, pipeline=pipeline, mode=mode, k=k, dev=[i.instance_id for i in insts],
                  budget=bud.describe(), start=[str(p) for p in start or []])
    best = winner(results)
    found[best].save(out)
    written = {best: str(out)}
    if method == "compare":
        for m, plan in found.items():
            written[m] = str(plan.save(out.with_name(f"{out.stem}.{m}{out.suffix or '.yaml'}")))
    summary = {"out": str(out), "winner": best, "run_dir": str(run_dir), "plans": written,
               "methods": {m: {"trials": len(r.trials), "best_solved": r.best.solved, "tasks": r.best.tasks,
                               "best_tests": r.best.tests,
                               "best_cost": r.best.cost, "best_tokens": r.best.tokens, "tuner_tokens": r.tuner_tokens,
                               "plan": r.best.plan.describe()} for m, r in results.items()}}
    if as_json:
        emit_json(summary)
    else:
        from rich.console import Console

        con = Console()
        for m, row in summary["methods"].items():
            con.print(f"{m}: best solved {row['best_solved']}/{row['tasks']} in {row['trials']} trial(s), "
                      f"hidden tests {row['best_tests']:.2f}, ${row['best_cost']:.5f} and {row['best_tokens']:.0f} tokens per task  {row['plan']}",
                      highlight=False)
        con.print(f"wrote {out} ({best}); use it with `scaleagent solve --plan {out}`", highlight=False)
    return summary
