"""A GUI run's outcome (from its step records) and its trajectory viewer: one self-contained HTML file
(`viewer.html` in the run directory, screenshots inlined) showing, step by step, the page, the
candidate actions, the selection (vote / judge choice and reason), the controller's decision and
what the page did."""
from __future__ import annotations

import base64
import html
from pathlib import Path
from typing import Any

from agents.trajectory import RunFiles, write_atomic

CSS = """body{font-family:system-ui,sans-serif;margin:1.5em;max-width:1100px}h1{font-size:1.3em}
.step{display:flex;gap:1em;border-top:1px solid #ccc;padding:.8em 0}.step img{width:240px;border:1px solid #999}
pre{background:#f6f6f6;padding:.4em;white-space:pre-wrap;font-size:.8em;max-height:14em;overflow:auto}
.win{font-weight:bold;color:#060}.bad{color:#a00}.ep{background:#eef;padding:.4em;margin-top:1em}
table{border-collapse:collapse}td{padding:0 .6em 0 0;vertical-align:top}"""


def outcome(result: Any, run_dir: Path | str) -> dict[str, Any]:
    """success / reward / actions / episodes / reason of a finished GUI run."""
    rows = RunFiles(run_dir).steps()
    memo = _memo(result)
    actions = sum(1 for r in rows if (r.get("selection") or {}).get("winner"))
    ended = [r["observation"] for r in rows if (r.get("observation") or {}).get("done")]
    last = ended[-1] if ended else {}
    stage = (getattr(result, "stages", None) or {}).get("act")
    reason = getattr(stage, "reason", "") or (rows[-1].get("decision") or {}).get("reason", "") if rows else ""
    return {"success": bool(last.get("success")) and not last.get("fatal"), "reward": float(last.get("reward") or 0.0),
            "actions": actions, "episodes": int(memo.get("episodes", 0)), "reason": str(reason)[:300],
            "error": last.get("error") if last.get("fatal") else None}


def _memo(result: Any) -> dict[str, Any]:
    stage = (getattr(result, "stages", None) or {}).get("act")
    return dict(getattr(stage, "memo", None) or {})


def _img(run_dir: Path, name: str | None) -> str:
    path = run_dir / "screens" / str(name or "")
    if not name or not path.is_file() or path.parent.resolve() != (run_dir / "screens").resolve():
        return "<i>no screenshot</i>"
    data = base64.b64encode(path.read_bytes()).decode()
    return f'<img alt="{html.escape(name)}" src="data:image/png;base64,{data}">'


def _step(run_dir: Path, r: dict[str, Any]) -> str:
    e = html.escape
    sel = r.get("selection") or {}
    winner = sel.get("winner")
    cands = []
    checks = {v.get("candidate_id"): v.get("details") or {} for v in r.get("verdicts") or []}
    for c in r.get("candidates") or []:
        label = e(str(c.get("key") or c.get("error") or c.get("text", ""))[:160])
        d = checks.get(c.get("id")) or {}
        note = (f' — does not fit: {e(str(d["problem"]))}' if d.get("problem") else "") + (" — judge's pick" if d.get("judged") else "")
        cls = "win" if c.get("id") == winner else ("bad" if c.get("error") or d.get("problem") else "")
        cands.append(f'<li class="{cls}">{label}{note}</li>')
    obs = r.get("observation") or {}
    dec = r.get("decision") or {}
    said = obs.get("error") or obs.get("summary") or ("ok" if obs else "no action taken")
    return (f'<div class="step"><div>{_img(run_dir, obs.get("screenshot"))}</div><div>'
            f'<b>step {r.get("step")}</b> ({e(str(r.get("mode")))}) — {e(str(r.get("spend", {}).get("model_calls", 0)))} '
            f'model calls<br>candidates:<ul>{"".join(cands) or "<li>none</li>"}</ul>'
            f'selection ({e(str(sel.get("strategy", "-")))}): {e(str(sel.get("reason", "-")))}<br>'
            f'page after: <span class="{"bad" if obs.get("error") else ""}">{e(str(said))}</span><br>'
            f'decision: <b>{e(str(dec.get("action", "?")))}</b> — {e(str(dec.get("reason", "")))}'
            f'<pre>{e(str(obs.get("page", "")))}</pre></div></div>')


def write_viewer(result: Any, run_dir: Path | str) -> Path:
    run_dir = Path(run_dir)
    rows = RunFiles(run_dir).steps()
    memo = _memo(result)
    starts = {s.get("step"): s for s in memo.get("starts") or []}
    info = outcome(result, run_dir)
    task = getattr(result, "task", None)
    title = html.escape(str(getattr(task, "id", run_dir.name)))
    instruction = html.escape(str((memo.get("start") or {}).get("instruction", "")))
    parts = [f"<!doctype html><meta charset=utf-8><title>{title}</title><style>{CSS}</style>",
             f"<h1>{title}: {'success' if info['success'] else 'failure'} (reward {info['reward']:g})</h1>",
             f"<p>Instruction: <b>{instruction}</b><br>{info['actions']} actions, {info['episodes']} episode(s). "
             f"End: {html.escape(info['reason'])}</p>"]
    for r in rows:
        if r.get("step") in starts:
            s = starts[r["step"]]
            parts.append(f'<div class="ep">episode starts (step {r["step"]})</div><div class="step"><div>'
                         f'{_img(run_dir, s.get("screenshot"))}</div><pre>{html.escape(str(s.get("page", "")))}</pre></div>')
        parts.append(_step(run_dir, r))
    path = run_dir / "viewer.html"
    write_atomic(path, "\n".join(parts))
    return path
