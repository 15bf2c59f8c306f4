"""The live progress bar of a benchmark run: tasks done, successes, and spend against the budget (the
per-task caps of every cell added up; the spend of finished tasks plus what running tasks spent so far)."""
from __future__ import annotations

import sys
import threading
from typing import Any

from budgets import Budget


def say(line: str) -> None:
    """A progress line of a bench command (environments built, tasks started) on stderr, so `--json`
    keeps stdout to its one object."""
    print(line, file=sys.stderr, flush=True)


def budget_total(arms: list[Any], tasks: int, batch: Budget | None = None) -> dict[str, float]:
    """usd / tokens caps of the whole run, where every arm caps that dimension (per task, or with a
    batch budget its total per arm, whichever is smaller)."""
    out: dict[str, float] = {}
    for dim in ("usd", "tokens"):
        caps = [getattr(Budget(**a.config.get("budget") or {}), dim) for a in arms]
        whole = getattr(batch, dim) if batch is not None else None
        if caps and all(c is not None for c in caps):
            out[dim] = sum(c * tasks if whole is None else min(c * tasks, whole) for c in caps)
        elif whole is not None:
            out[dim] = whole * len(arms)
    return out


class BenchProgress:
    def __init__(self, console: Any, label: str, transient: bool = False):
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self.bar = Progress(TextColumn(f"[bold]{label}[/]"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                            TextColumn("{task.fields[info]}"), TimeElapsedColumn(), console=console, transient=transient)
        self.job = self.bar.add_task(label, total=None, info="")
        self.lock = threading.Lock()
        self.done = {"cost_usd": 0.0, "tokens": 0}
        self.live: dict[tuple, dict] = {}
        self.caps: dict[str, float] = {}
        self.counts = {"success": 0, "failure": 0, "error": 0, "timeout": 0}

    def __enter__(self) -> "BenchProgress":
        self.bar.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.bar.__exit__(*exc)

    def __call__(self, e: dict[str, Any]) -> None:
        with self.lock:
            if e["event"] == "start":
                self.caps = budget_total(e["arms"], e["total"] // max(1, len(e["arms"])), e.get("batch"))
                self.done = {"cost_usd": e["spent"]["cost_usd"],
                             "tokens": e["spent"]["input_tokens"] + e["spent"]["output_tokens"]}
                self.bar.update(self.job, total=e["total"], completed=e["done"])
            elif e["event"] == "spend":
                self.live[tuple(e["key"])] = e["spent"]
            elif e["event"] == "row":
                row = e["row"]
                self.live.pop((row["arm_id"], row["task_id"]), None)
                s = row.get("spend") or {}
                self.done["cost_usd"] += s.get("cost_usd") or 0
                self.done["tokens"] += (s.get("input_tokens") or 0) + (s.get("output_tokens") or 0)
                self.counts[row["status"]] = self.counts.get(row["status"], 0) + 1
                self.bar.advance(self.job)
            self.bar.update(self.job, info=self.info())

    def info(self) -> str:
        cost = self.done["cost_usd"] + sum(s.get("cost_usd", 0) or 0 for s in self.live.values())
        tok = self.done["tokens"] + sum((s.get("input_tokens", 0) or 0) + (s.get("output_tokens", 0) or 0)
                                        for s in self.live.values())
        c = self.counts
        text = f"ok {c['success']}  failed {c['failure']}  error {c['error'] + c['timeout']}  ${cost:.4f}"
        if "usd" in self.caps:
            text += f" of ${self.caps['usd']:.2f}"
        text += f"  {int(tok)} tok"
        if "tokens" in self.caps:
            text += f" of {int(self.caps['tokens'])}"
        return text
