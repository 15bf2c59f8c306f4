"""`scaleagent report OUT` for a benchmark directory: the arms table (Pareto front starred), `--json`,
and `--html` (the page itself is drawn by agents.bench.report)."""
from __future__ import annotations

from pathlib import Path


def report_command(out: Path, html_path: Path | None, as_json: bool) -> None:
    from agents.bench.report import collect, write_report
    from agents.bench.store import open_existing
    from agents.cli_support import emit_json

    if html_path is not None:
        write_report(out, html_path)
    store = open_existing(out)
    try:
        data = collect(store)
    finally:
        store.close()
    if as_json:
        emit_json({"out": str(out), "html": str(html_path) if html_path else None, "arms": data["arms"],
                   "stages": data["stages"], "tools": data["tools"]})
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"benchmark {out} (★ Pareto front)")
    for col in ("arm", "success", "ok/tasks", "error", "timeout", "mean cost $", "tokens"):
        table.add_column(col)
    for a in data["arms"]:
        table.add_row(a["arm_id"] + (" ★" if a["pareto"] else ""), f"{a['success_rate']:.0%}",
                      f"{a['succeeded']}/{a['tasks']}", str(a["error"]), str(a["timeout"]), f"{a['mean_cost_usd']:.6f}",
                      str(a["input_tokens"] + a["output_tokens"]))
    con = Console()
    con.print(table)
    con.print(f"HTML report: {html_path}" if html_path else f"`scaleagent report {out} --html report.html` draws the plots")
