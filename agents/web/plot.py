"""The accuracy-vs-cost plot of `bench web`: one line per arm (budget tracker on / off), one point per
(budget, tracker) cell, each point labelled with its tool budget in its line's colour.

Cells often share a cost (the same budget with and without the tracker when the model answers the
same way, or budgets the model never used up), so labels are placed, not just offset by a fixed
amount: each label goes up in steps until its estimated box overlaps no label placed before it (a
thin line then joins it to its point), and goes left of its point where it would leave the axes.
`figure(cells)` builds the figure (tests read its annotations); `plot_cells` writes the PNG.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

FONT = 7            # label font size (points)
LINE = FONT + 3     # a label's height with spacing (points)
OFFSET = (3, 3)     # a label's first position relative to its point (points)


def label(budget: str) -> str:
    """The budget's tool caps ("search=5,open=10") or the whole budget when it has none."""
    return ",".join(p for p in budget.split(",") if p.split("=")[0] in ("search", "open", "find")) or budget


def place(anchors: list[tuple[float, float]], texts: list[str], scale: float = 1.0,
          right: float = float("inf")) -> list[tuple[float, float, str]]:
    """(dx, dy, horizontal alignment) in points for labels whose points are at `anchors` (display
    units; `scale` display units per point; `right` the axes' right edge): the first free slot above
    each point, in order, so no two label boxes overlap; left of the point where it would pass `right`."""
    placed: list[tuple[float, float, float]] = []   # (left, bottom, width) in points
    out = []
    for (ax_, ay), text in zip(anchors, texts):
        width = 0.6 * FONT * max(1, len(text))
        flip = ax_ / scale + OFFSET[0] + width > right / scale
        x = ax_ / scale - OFFSET[0] - width if flip else ax_ / scale + OFFSET[0]
        y = ay / scale + OFFSET[1]
        k = 0
        while any(abs(bottom - (y + k * LINE)) < LINE and x < left + w and left < x + width
                  for left, bottom, w in placed):
            k += 1
        placed.append((x, y + k * LINE, width))
        out.append((-OFFSET[0] if flip else OFFSET[0], OFFSET[1] + k * LINE, "right" if flip else "left"))
    return out


def figure(cells: list[dict[str, Any]]) -> Any:
    """The figure (matplotlib, Agg) for cell summaries ({"spend": {"cost_usd_per_question"},
    "accuracy", "budget", "tracker"}); its annotations are the placed labels."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    points: list[tuple[float, float, str, str]] = []
    for arm, style in ((True, "o-"), (False, "s--")):
        pts = sorted((c["spend"]["cost_usd_per_question"], c["accuracy"], c["budget"]) for c in cells
                     if c.get("tracker") is arm)
        if pts:
            line, = ax.plot([p[0] for p in pts], [p[1] for p in pts], style,
                            label="budget tracker" if arm else "no tracker")
            points += [(x, y, label(b), line.get_color()) for x, y, b in pts]
    ax.set_xlabel("unified cost per question ($)")
    ax.set_ylabel("accuracy")
    ax.set_ylim(-0.02, 1.02)
    ax.set_title("web QA: accuracy vs unified cost")
    ax.legend(loc="lower right")
    fig.tight_layout()
    points.sort(key=lambda p: (p[0], p[1]))
    anchors = [tuple(ax.transData.transform((x, y))) for x, y, _, _ in points]
    offsets = place(anchors, [p[2] for p in points], scale=fig.dpi / 72, right=ax.get_window_extent().x1)
    for (x, y, text, color), (dx, dy, ha) in zip(points, offsets):
        lead = {"arrowprops": {"arrowstyle": "-", "lw": 0.5, "color": color}} if dy > OFFSET[1] else {}
        ax.annotate(text, (x, y), fontsize=FONT, color=color, textcoords="offset points", xytext=(dx, dy), ha=ha,
                    **lead)
    return fig


def plot_cells(cells: list[dict[str, Any]], png: Path) -> Path | None:
    """Write the plot of `cells` to `png` (None when there is no cell)."""
    if not cells:
        return None
    import matplotlib.pyplot as plt

    fig = figure(cells)
    png.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(png, dpi=100)
    plt.close(fig)
    return png
