"""`scaleagent ask`, `scaleagent web index`, `scaleagent bench web`: question answering by web search
under a tool-call budget (agents.web). The search server these commands start (the local index on
127.0.0.1) is stopped when the command ends, also on Ctrl-C and SIGTERM; a local model call in progress
then stops at its next token (agents.models.local.cancel_all), so the command exits at once."""
from __future__ import annotations

import asyncio
import signal
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Optional

import typer

from agents.cli_support import emit_json
from agents.config import DEFAULT_MODEL, DEFAULT_SANDBOX, build_runtime, check_model, load_budget, parse_prices
from agents.errors import ConfigError

DEFAULT_BUDGET = "search=5,open=10,find=5,tokens=20k"
IndexOpt = typer.Option(None, "--index", help="An index built by `scaleagent web index` (default: the Python docs, "
                        "built on first use under ~/.cache/scaleagent/web)")
SearxOpt = typer.Option(None, "--searx", help="Search a SearxNG server (its JSON API) instead of a local index")
ModelOpt = typer.Option(DEFAULT_MODEL, "--model", "-m", help="local/<name>, or any litellm model id")
KOpt = typer.Option(2, "--k", min=1, max=16, help="Candidate tool calls (and answers) per step")
StepsOpt = typer.Option(None, "--max-steps", min=2, max=200, help="Research steps per question at most "
                        "(default: 4 + 2 per capped search, open and find call, 8 to 200; 16 if none is capped)")
ReanswerOpt = typer.Option(3, "--reanswer-k", min=1, max=16, help="Answers sampled after one that did not "
                           "verify (the greedy one and the rest at a temperature; the verifier keeps one)")
NoTrackerOpt = typer.Option(False, "--no-tracker", help="The budget-unaware baseline (ReAct): no budget "
                            "block, and the first answer ends the run")
JudgeOpt = typer.Option(None, "--judge-model", help="A model that reads the page's passage behind every answer "
                        "about to verify; its no stands; after an answer was turned down it answers from the passage itself and must "
                        "agree (e.g. local/qwen2.5-coder-1.5b beside a 0.5B agent)")
ConfirmOpt = typer.Option(True, "--confirm/--no-confirm", help="With --judge-model and the tracker: a first "
                          "answer the judge accepts is also answered by the judge from the passage; if the two differ "
                          "and budget is left, the run reads on to confirm it (it stays the answer unless another verifies)")
ReaderOpt = typer.Option(True, "--reader/--no-reader", help="Once an answer is turned down, the judge model (else "
                         "the run's model) answers from the first page's best passage; that is the answer if none verifies")
ApiBaseOpt = typer.Option(None, "--api-base", help="Base URL of an OpenAI-compatible server")
PriceOpt = typer.Option(None, "--price", help="IN,OUT dollars per million tokens; 'MODEL=IN,OUT;...' prices several")
JsonOpt = typer.Option(False, "--json", help="Print one JSON object on stdout (progress goes to stderr)")


@contextmanager
def serving(options: dict[str, Any], quiet: bool = False) -> Iterator[Any]:
    """Start the run's search backend now (fail fast on a bad index) and stop every one at the end,
    also on Ctrl-C and SIGTERM (turned into KeyboardInterrupt while the command runs, once this
    process's local model calls are told to stop: asyncio.run waits for their worker threads)."""
    from agents.interrupts import raise_soon
    from agents.web.env import close_all, ensure_index, environment
    from tools.web.index import WebIndexError

    def on_signal(signum: int, frame: Any) -> None:
        local = sys.modules.get("agents.models.local")
        if local is not None:
            local.cancel_all()
        raise_soon(KeyboardInterrupt)  # not inside whatever task step the signal interrupted

    import threading

    main = threading.current_thread() is threading.main_thread()  # signal handlers live in the main thread
    # SIGINT too (instead of asyncio.run's handler): one path that stops local calls before anything waits for them
    old = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)} if main else {}
    try:
        if options.get("searx") is None:
            def progress(i: int, n: int) -> None:
                if i == 0:
                    typer.echo(f"building the search index of the Python docs ({n} pages; first use only)", err=True)
            try:
                options["index"] = str(ensure_index(options.get("index"), progress))
            except WebIndexError as e:
                raise ConfigError(str(e)) from None
        env = environment(options)
        try:
            env.tools()
        except (WebIndexError, ValueError) as e:
            raise ConfigError(str(e)) from None
        if not quiet:
            typer.echo(f"search server: {env.url}", err=True)
        yield env
    finally:
        close_all()
        for sig, handler in old.items():
            signal.signal(sig, handler)


def _base(model: str, k: int, max_steps: Optional[int], tracker: bool, index: Optional[Path], searx: Optional[str], api_base: Optional[str],
          price: Optional[str], reanswer_k: int, judge_model: Optional[str] = None, confirm: bool = True,
          reader: bool = True) -> dict[str, Any]:
    from agents.bench.cell import provided_models

    parse_prices(price)
    for m in filter(None, (model, judge_model)):
        if m not in provided_models():  # a --plugin's model object needs no provider check
            check_model(m, api_base)
    if index is not None and searx:
        raise ConfigError("give either --index or --searx, not both")
    if index is not None and not index.is_file():
        raise ConfigError(f"no index at {index}: build one with `scaleagent web index DIR --out {index}`")
    return {"pipeline": "web", "options": {"k": k, "max_steps": max_steps, "tracker": tracker, "index": str(index) if index else None,
                                           "searx": searx, "reanswer_k": reanswer_k, "judge_model": judge_model,
                                           "confirm_first": confirm, "reader": reader}, "model": model, "sandbox": DEFAULT_SANDBOX,
            "api_base": api_base, "price": price}


def ask(question: str = typer.Argument(..., help="The question"),
        budget: Optional[str] = typer.Option(None, "--budget", "-b", help=f"Caps (default {DEFAULT_BUDGET}); "
                                             "tools: search, open, find; plus tokens, usd, calls, seconds"),
        budget_file: Optional[Path] = typer.Option(None, "--budget-file", help="YAML file with a budget mapping"),
        index: Optional[Path] = IndexOpt, searx: Optional[str] = SearxOpt, model: str = ModelOpt, k: int = KOpt,
        max_steps: Optional[int] = StepsOpt, reanswer_k: int = ReanswerOpt, judge_model: Optional[str] = JudgeOpt,
        confirm: bool = ConfirmOpt, reader: bool = ReaderOpt, no_tracker: bool = NoTrackerOpt, run_dir: Optional[Path] = typer.Option(None, "--run-dir", help="Where to write the run (default runs/ask-<time>)"),
        api_base: Optional[str] = ApiBaseOpt, price: Optional[str] = PriceOpt, as_json: bool = JsonOpt) -> None:
    """Answer a question by searching (the Python docs by default); print the answer and its sources."""
    from agents import pipelines
    from agents.cli_support import die, progress_printer
    from agents.paths import id_path

    if not question.strip():
        raise ConfigError("the question is empty")
    bud = load_budget(budget if budget or budget_file else DEFAULT_BUDGET, budget_file)
    cfg = _base(model, k, max_steps, not no_tracker, index, searx, api_base, price, reanswer_k, judge_model, confirm,
                reader) | {
        "budget": bud.model_dump(), "task_id": "question", "question": question.strip()}
    pipelines.check_budget(pipelines.get("web").build(cfg["options"]), build_runtime(cfg), pipelines.get("web").tools)
    run_dir = run_dir or id_path(Path("runs"), f"ask-{time.strftime('%Y%m%d-%H%M%S')}")
    with serving(cfg["options"], quiet=False):
        rt = build_runtime(cfg, on_event=progress_printer(True))
        result, extra = asyncio.run(pipelines.execute(cfg, run_dir, rt))
    out = {"answer": extra["answer"], "sources": extra["sources"], "spend": result.spend, "reason": extra["reason"],
           "verified": extra["verified"], "read": extra["read"], "status": result.status, "run_dir": str(run_dir)}
    if as_json:
        emit_json(out)
    else:
        from rich.console import Console

        con = Console()
        for line in pipelines.get("web").lines(extra):
            con.print(line, highlight=False)
        s = result.spend
        con.print(f"spend: ${s['cost_usd']:.4f} unified cost, {s['input_tokens']}+{s['output_tokens']} tokens, "
                  f"{s['model_calls']} model calls, tools {s['tool_calls']}", highlight=False)
    error = pipelines.failure(result)
    if error:
        die(f"the run failed: no model call succeeded; first error: {error}", 3)


def web_index(src: Path = typer.Argument(..., help="A folder of .html/.htm/.txt/.md files"),
              out: Path = typer.Option(..., "--out", help="The index file to write (replaced atomically)"),
              name: Optional[str] = typer.Option(None, "--name", help="What the corpus is, as the model will read "
                                                 'it: "the Django documentation" (default: "the documents in DIR")'),
              as_json: bool = JsonOpt) -> None:
    """Build a full-text search index (SQLite FTS5, BM25) of a folder of HTML or text files."""
    from tools.web.index import Index, WebIndexError, build_index

    def progress(i: int, n: int) -> None:
        if i % 50 == 0:
            typer.echo(f"indexing {i}/{n}", err=True)

    started = time.time()
    try:
        n = build_index(src, out, progress=progress, name=name)
    except WebIndexError as e:
        raise ConfigError(str(e)) from None
    if as_json:
        index = Index(out)
        label = index.name
        index.close()
        emit_json({"index": str(out), "documents": n, "name": label, "seconds": round(time.time() - started, 1)})
    else:
        typer.echo(f"indexed {n} documents into {out} in {time.time() - started:.0f}s")


def bench_web(questions: Path = typer.Argument(..., help="JSONL: {id, question, answers: [...]} per line"),
              index: Optional[Path] = IndexOpt, searx: Optional[str] = SearxOpt,
              budget: Optional[list[str]] = typer.Option(None, "--budget", "-b", help="Caps per question; repeat "
                                                        f"for a grid (default {DEFAULT_BUDGET})"),
              no_tracker: bool = NoTrackerOpt,
              both: bool = typer.Option(False, "--both", help="Run each budget with and without the tracker"),
              model: str = ModelOpt, k: int = KOpt, max_steps: Optional[int] = StepsOpt, reanswer_k: int = ReanswerOpt,
              judge_model: Optional[str] = JudgeOpt, confirm: bool = ConfirmOpt, reader: bool = ReaderOpt, limit: Optional[int] = typer.Option(None, "--limit", min=1, help="Only the first N questions"),
              out: Optional[Path] = typer.Option(None, "--out", help="Output directory (resumable: rerun the same "
                                                 "command; the plot covers every cell in it)"),
              workers: Optional[int] = typer.Option(None, "--workers", "-j", min=1, help="Concurrent questions "
                                                    "(default: CPUs; 1 for local/ models)"),
              timeout: Optional[float] = typer.Option(None, "--timeout", min=1, help="Seconds one question may run "
                                                      "(then it is stopped: timeout)"),
              executor: str = typer.Option("local", "--executor", help="local (worker processes) | ray"),
              address: Optional[str] = typer.Option(None, "--address", help="Ray cluster address (ray://HEAD:10001 or auto)"),
              retry_errors: bool = typer.Option(False, "--retry-errors", help="Run questions that ended in error or "
                                                "timeout again"),
              plugin: Optional[list[str]] = typer.Option(None, "--plugin", help="A module every worker imports first "
                                                         "(e.g. one that provides a model)"),
              api_base: Optional[str] = ApiBaseOpt, price: Optional[str] = PriceOpt, as_json: bool = JsonOpt) -> None:
    """Accuracy and unified cost on a questions file through the benchmark runner (OUT/results.sqlite,
    `scaleagent report OUT --html`): each budget × tracker cell is an arm; summary.json per cell and a PNG plot."""
    from agents.cli_bench import import_plugins
    from agents.bench.runner import check_arms
    from agents.web.bench import make_arms, plot, run_bench
    from agents.web.questions import load_questions

    from agents.bench.drive import check_executor

    check_executor(executor, address)
    preload = import_plugins(plugin)
    rows = load_questions(questions)[:limit]
    budgets = [load_budget(b, None) for b in (budget or [DEFAULT_BUDGET])]
    arms = [True, False] if both else [not no_tracker]
    base = _base(model, k, max_steps, True, index, searx, api_base, price, reanswer_k, judge_model, confirm, reader)
    check_arms(make_arms(base, budgets, arms))  # a bad budget is one line before the index is built
    out = out or Path("runs") / f"web-{time.strftime('%Y%m%d-%H%M%S')}"
    with serving(base["options"], quiet=True):  # checks the index (builds the default one) before any worker starts
        cells = run_bench(rows, base, budgets, arms, out, executor=executor, workers=workers, timeout=timeout,
                          address=address, preload=preload, label="web", quiet=as_json, retry_errors=retry_errors)
    png = plot(out, out / "accuracy_vs_cost.png")
    where = {"plot": str(png), "out": str(out), "store": str(out / "results.sqlite")}
    if as_json:
        emit_json(cells[0] | where if len(cells) == 1 else {"cells": cells} | where)
    else:
        for c in cells:
            typer.echo(f"{'tracker' if c['tracker'] else 'no tracker'} {c['budget']}: {c['correct']}/{c['total']} "
                       f"correct, ${c['spend']['cost_usd_per_question']:.4f} per question"
                       + (f", {c['error']} error/timeout" if c["error"] else ""))
            a = c["answers"]
            if a["proposed"]:
                typer.echo(f"  answers proposed: {a['proposed']}; verified {a['verified_right']} right, "
                           f"{a['verified_wrong']} wrong; not verified {a['unverified_right']} right, "
                           f"{a['unverified_wrong']} wrong")
            if c["read"]["runs"]:
                typer.echo(f"  answers that are the reader's (no answer of the run verified): {c['read']['runs']}, "
                           f"{c['read']['right']} right")
        typer.echo(f"plot: {png}\nout: {out}\n`scaleagent report {out} --html report.html` draws every cell")


def register(app: typer.Typer, bench_app: typer.Typer) -> None:
    app.command("ask")(ask)
    web_app = typer.Typer(no_args_is_help=True, help="Search indexes for `ask` and `bench web`.")
    web_app.command("index")(web_index)
    app.add_typer(web_app, name="web")
    bench_app.command("web")(bench_web)


if __name__ == "__main__":  # pragma: no cover
    sys.exit("use `scaleagent ask` / `scaleagent web index` / `scaleagent bench web`")
