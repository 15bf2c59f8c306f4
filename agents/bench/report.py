"""`scaleagent report OUT [--html report.html]` for a benchmark directory: one self-contained HTML file
(plots as inline SVG, no script or style from the network) built from OUT/results.sqlite.

Everything in it that a model or a task wrote (candidates, feedback, errors, ids) is HTML-escaped;
GUI screenshots are embedded as data URIs when they are PNG files inside the task's run directory.
"""
from __future__ import annotations

import base64
import html
import json
import time
from pathlib import Path
from typing import Any

from agents.bench.plots import cost_axis, k_svg, pareto_front, pareto_svg, stage_svg
from agents.bench.store import Store, open_existing

MAX_SHOT = 2_000_000
CSS = """body{font:14px system-ui,sans-serif;margin:24px;color:#222}table{border-collapse:collapse;margin:8px 0 20px}
td,th{border:1px solid #ccc;padding:3px 7px;text-align:left;vertical-align:top}th{background:#f3f3f3}
.success{color:#1a7f37}.failure{color:#9a6700}.error,.timeout{color:#cf222e}pre{white-space:pre-wrap;max-width:900px;
background:#f6f8fa;padding:4px;margin:2px 0}details{margin:4px 0}.front{font-weight:bold}img{max-width:480px}"""
SCRIPT = """document.getElementById('task-filter').addEventListener('input', function (e) {
  var q = e.target.value.toLowerCase();
  document.querySelectorAll('#tasks tbody tr').forEach(function (tr) {
    tr.style.display = tr.textContent.toLowerCase().indexOf(q) >= 0 ? '' : 'none';
  });
});"""


def e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def collect(store: Store) -> dict[str, Any]:
    arms = []
    for a in store.arms():
        s = store.summary(a["arm_id"])
        if s["tasks"]:
            arms.append({**{k: a[k] for k in ("arm_id", "mode", "k", "budget", "model", "pipeline")}, **s})
    field, _ = cost_axis(arms) if arms else ("mean_cost_usd", "")
    front = set(pareto_front([(a[field], a["success_rate"]) for a in arms]))
    for i, a in enumerate(arms):
        a["pareto"] = i in front
    return {"arms": arms, "tasks": store.tasks(), "stages": store.stage_spend(), "tools": store.tool_spend(),
            "runs": store.runs()}


def _table(headers: list[str], rows: list[list[str]], table_id: str) -> str:
    head = "".join(f"<th>{e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f'<table id="{table_id}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _shot(step: dict[str, Any], run_dir: str | None) -> str:
    shot = step.get("screenshot")
    if not shot or not run_dir:
        return ""
    base = Path(run_dir).resolve()
    path = (base / "screens" / shot).resolve()  # GUI runs keep them in RUN_DIR/screens/
    if not path.is_file():
        path = (base / shot).resolve()
    if base not in path.parents or path.suffix.lower() != ".png" or not path.is_file() or path.is_symlink():
        return ""
    if path.stat().st_size > MAX_SHOT:
        return f"<p>screenshot {e(shot)} (too large to embed)</p>"
    data = base64.b64encode(path.read_bytes()).decode()
    return f'<img alt="screenshot" src="data:image/png;base64,{data}">'


def _trajectory(steps: list[dict[str, Any]], run_dir: str | None) -> str:
    out = []
    for s in steps:
        d, sel = s.get("decision") or {}, s.get("selection") or {}
        cands = "".join(
            f"<li>{'<b>winner</b> ' if c.get('id') == sel.get('winner') else ''}{e(c.get('id'))} "
            f"[{e(c.get('source'))}/{e(c.get('origin'))}]<pre>{e(c.get('content'))}</pre>"
            f"{'<pre>error: ' + e(c['error']) + '</pre>' if c.get('error') else ''}</li>" for c in s.get("candidates") or [])
        verdicts = "".join(f"<li>{e(v.get('candidate_id'))}: score {e(v.get('score'))}, passed {e(v.get('passed'))}"
                           f"{'<pre>' + e(v['feedback']) + '</pre>' if v.get('feedback') else ''}</li>"
                           for v in s.get("verdicts") or [])
        sp = s.get("spend") or {}
        out.append(
            f'<details class="step"><summary>{e(s.get("stage"))} step {e(s.get("step"))} ({e(s.get("mode"))}): '
            f'<b>{e(d.get("action"))}</b> — {e(d.get("reason"))}</summary>'
            f"<p>candidates</p><ul>{cands}</ul><p>verdicts</p><ul>{verdicts}</ul>"
            f"<p>selection ({e(sel.get('strategy'))}): {e(sel.get('winner'))} {e(sel.get('reason'))}</p>"
            f"<p>spend: ${e(sp.get('cost_usd', 0))}, {e(sp.get('input_tokens', 0))}+{e(sp.get('output_tokens', 0))} "
            f"tokens; budget the agent saw next: {e(s.get('budget'))}</p>"
            f"{'<p>errors: ' + e('; '.join(s['errors'])) + '</p>' if s.get('errors') else ''}"
            f"{_shot(s, run_dir)}</details>")
    return "".join(out) or "<p>no steps recorded</p>"


def render(store: Store, title: str) -> str:
    data = collect(store)
    arms, tasks = data["arms"], data["tasks"]
    arm_rows = [[("<span class=front>" + e(a["arm_id"]) + " ★</span>") if a["pareto"] else e(a["arm_id"]),
                 e(a["mode"]), e(a["k"]), e(a["budget"]), e(a["model"]), f"{a['success_rate']:.1%}",
                 f"{a['succeeded']}/{a['tasks']}", e(a["error"]), e(a["timeout"]), f"{a['mean_cost_usd']:.6f}",
                 f"{a['cost_usd']:.6f}", e(a["input_tokens"] + a["output_tokens"]), e(a["model_calls"]),
                 f"{a['wall_s']:.1f}"] for a in arms]
    stage_rows = [[e(r["arm_id"]), e(r["stage"]), f"{r['cost_usd']:.6f}", e(r["input_tokens"]), e(r["output_tokens"]),
                   e(r["model_calls"])] for r in data["stages"]]
    tool_rows = [[e(r["arm_id"]), e(r["tool"]), e(r["calls"])] for r in data["tools"]]
    task_rows, viewers = [], []
    for i, t in enumerate(tasks):
        anchor = f"task-{i}"
        task_rows.append([e(t["arm_id"]), f'<a href="#{anchor}">{e(t["task_id"])}</a>',
                          f'<span class="{e(t["status"])}">{e(t["status"])}</span>', f"{t['cost_usd']:.6f}",
                          e(t["input_tokens"] + t["output_tokens"]), e(t["model_calls"]), e(t["steps"]),
                          f"{t['wall_s']:.2f}", e(json.dumps(t["score"])[:200]), e(t["error"])])
        viewers.append(f'<details id="{anchor}" class="trajectory"><summary>{e(t["arm_id"])} / {e(t["task_id"])}: '
                       f'{e(t["status"])}</summary>{_trajectory(store.steps(t["arm_id"], t["task_id"]), t["run_dir"])}'
                       "</details>")
    plots = (pareto_svg(arms) + k_svg(arms)) if arms else "<p>no finished task yet</p>"
    runs = data["runs"]
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{e(title)}</title>
<style>{CSS}</style></head><body><h1>{e(title)}</h1>
<p>{len(tasks)} task results in {len(arms)} arms; {len(runs)} runner session(s), the last started
{e(time.strftime('%Y-%m-%d %H:%M', time.localtime(runs[-1]['started'])) if runs else '?')}
with the {e(runs[-1]['executor'] if runs else '?')} executor. ★ = on the Pareto front.</p>
<h2>Arms</h2>{_table(["arm", "mode", "K", "budget", "model", "success", "ok/tasks", "error", "timeout",
                      "mean cost $", "total cost $", "tokens", "model calls", "wall s"], arm_rows, "arms")}
<h2>Success rate vs unified cost</h2>{plots}
<h2>Spend per stage</h2>{stage_svg(data["stages"]) if data["stages"] else ""}
{_table(["arm", "stage", "cost $", "input tokens", "output tokens", "model calls"], stage_rows, "stages")}
<h2>Tool calls</h2>{_table(["arm", "tool", "calls"], tool_rows, "tools")}
<h2>Tasks</h2><p><label>filter <input id="task-filter" type="search"></label></p>
{_table(["arm", "task", "status", "cost $", "tokens", "model calls", "steps", "wall s", "score", "error"], task_rows, "tasks")}
<h2>Trajectories</h2><p>Each step: its candidates, verdicts, the selection, the decision with its reason, and the
budget the agent saw next.</p>{''.join(viewers)}
<script>{SCRIPT}</script></body></html>"""


def write_report(out: Path, html_path: Path) -> Path:
    from agents.trajectory import write_atomic

    store = open_existing(out)
    try:
        text = render(store, f"benchmark {out.name}")
    finally:
        store.close()
    write_atomic(html_path, text, redacted=True)
    return html_path
