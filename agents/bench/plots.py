"""The report's plots, drawn with matplotlib (no pyplot state, no display) as inline SVG text:
the Pareto plot of success rate vs unified cost per arm, success vs K, and spend per stage."""
from __future__ import annotations

import io
import re
from typing import Any

COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]


def _figure(w: float = 7.0, h: float = 4.2):
    import matplotlib

    matplotlib.rcParams["svg.fonttype"] = "none"  # text stays text (searchable, small)
    from matplotlib.figure import Figure

    fig = Figure(figsize=(w, h))
    return fig, fig.add_subplot(1, 1, 1)


def _svg(fig: Any, element_id: str) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = buf.getvalue()
    text = text[text.index("<svg"):]  # drop the XML prolog and doctype: the SVG goes inline in HTML
    return re.sub(r"^<svg ", f'<svg id="{element_id}" role="img" ', text, count=1)


def _label(text: str) -> str:
    return str(text).replace("$", r"\$")  # no mathtext from arm names


def pareto_front(points: list[tuple[float, float]]) -> list[int]:
    """Indices of the points no other point beats (cost no higher and success no lower, one strictly)."""
    front = []
    for i, (c, s) in enumerate(points):
        if not any((c2 <= c and s2 >= s) and (c2 < c or s2 > s) for j, (c2, s2) in enumerate(points) if j != i):
            front.append(i)
    return sorted(front, key=lambda i: points[i][0])


def cost_axis(arms: list[dict[str, Any]]) -> tuple[str, str]:
    """(field, label): the unified cost when any arm spent dollars, else tokens (local models cost $0)."""
    if any(a["mean_cost_usd"] > 0 for a in arms):
        return "mean_cost_usd", "unified cost per task ($)"
    return "mean_tokens", "tokens per task (every arm cost $0: local models; price them with --price)"


def pareto_svg(arms: list[dict[str, Any]]) -> str:
    return _svg(pareto_figure(arms), "pareto-plot")


def pareto_figure(arms: list[dict[str, Any]]):
    """Success rate vs unified cost (or tokens), one point per arm, the Pareto front dashed. `arms`:
    dicts with arm_id, success_rate, mean_cost_usd and mean_tokens (the report's and swe_scaling's)."""
    field, xlabel = cost_axis(arms)
    fig, ax = _figure()
    points = [(float(a[field]), float(a["success_rate"])) for a in arms]
    for i, (a, (x, y)) in enumerate(zip(arms, points)):
        ax.scatter([x], [y], color=COLORS[i % len(COLORS)], s=46, zorder=3, label=_label(a["arm_id"]))
        ax.annotate(_label(a["arm_id"]), (x, y), textcoords="offset points", xytext=(5, 5), fontsize=8)
    front = pareto_front(points)
    if front:
        xs, ys = [points[i][0] for i in front], [points[i][1] for i in front]
        ax.step(xs, ys, where="post", color="#444", linestyle="--", linewidth=1, zorder=2, label="Pareto front")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("success rate")
    ax.set_ylim(-0.05, 1.05)
    ax.set_title("success rate vs cost, one point per arm (strategy × K × budget × model)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="best")
    return fig


def k_svg(arms: list[dict[str, Any]]) -> str:
    groups: dict[str, list[dict[str, Any]]] = {}
    for a in arms:
        groups.setdefault(f"{a.get('mode') or 'default'} · {a.get('budget')} · {a.get('model')}", []).append(a)
    fig, ax = _figure(7.0, 3.6)
    for i, (name, items) in enumerate(groups.items()):
        items = sorted(items, key=lambda a: a.get("k") or 0)
        ax.plot([a.get("k") or 0 for a in items], [a["success_rate"] for a in items], marker="o",
                color=COLORS[i % len(COLORS)], label=_label(name))
    ax.set_xscale("log", base=2)
    ax.set_xlabel("K (candidates per step)")
    ax.set_ylabel("success rate")
    ax.set_ylim(-0.05, 1.05)
    ax.set_title("success vs K")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="best")
    return _svg(fig, "k-plot")


def stage_svg(stage_rows: list[dict[str, Any]]) -> str:
    arms = list(dict.fromkeys(r["arm_id"] for r in stage_rows))
    stages = list(dict.fromkeys(r["stage"] for r in stage_rows))
    field = "cost_usd" if any(r["cost_usd"] for r in stage_rows) else "tokens"
    fig, ax = _figure(7.0, max(2.0, 0.45 * len(arms) + 1.2))
    left = [0.0] * len(arms)
    for i, stage in enumerate(stages):
        vals = []
        for arm in arms:
            r = next((r for r in stage_rows if r["arm_id"] == arm and r["stage"] == stage), None)
            v = 0.0 if r is None else (r["cost_usd"] if field == "cost_usd" else r["input_tokens"] + r["output_tokens"])
            vals.append(v / max(1, r["tasks"]) if r else 0.0)
        ax.barh([_label(a) for a in arms], vals, left=left, color=COLORS[i % len(COLORS)], label=_label(stage))
        left = [a + b for a, b in zip(left, vals)]
    ax.set_xlabel("unified cost per task ($)" if field == "cost_usd" else "tokens per task")
    ax.set_title("spend per stage")
    ax.legend(fontsize=7, loc="best")
    return _svg(fig, "stage-plot")
