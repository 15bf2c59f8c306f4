"""The accuracy-vs-cost plot of `bench web` (issue #12): cells that share a cost (the same budget with
and without the tracker, budgets the model never used up) get labels that do not overlap. Read from
the figure's text artists when it is saved (their boxes as matplotlib lays them out), not from pixels."""
from __future__ import annotations

import json
from itertools import combinations

import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text

from agents.web.bench import plot
from agents.web.plot import place

CELLS = [  # (budget, tracker, cost per question, accuracy)
    ("search=1,open=1,find=1,tokens=20k", True, 0.006, 0.5), ("search=1,open=1,find=1,tokens=20k", False, 0.006, 0.5),
    ("search=3,open=3,find=1,tokens=20k", True, 0.0065, 0.5), ("search=3,open=3,find=1,tokens=20k", False, 0.0065, 0.55),
    ("search=5,open=5,find=1,tokens=20k", True, 0.0065, 0.52), ("search=10,open=10,find=1,tokens=20k", False, 0.009, 1.0)]


@pytest.fixture
def saved(monkeypatch):
    """Per figure saved during the test: its labels (text, point, box in display units) and the axes' box."""
    out: list[tuple[list[tuple], object]] = []
    original = Figure.savefig

    def spy(self, *args, **kwargs):
        renderer = self.canvas.get_renderer()
        labels = [t for ax in self.axes for t in ax.texts]
        for t in labels:
            t.update_positions(renderer)  # where the label's text goes (its leader line left out below)
        out.append(([(t.get_text(), t.xy, Text.get_window_extent(t, renderer)) for t in labels],  # text, no leader
                    self.axes[0].get_window_extent(renderer)))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", spy)
    return out


def _write_cells(out):
    for i, (budget, tracker, cost, acc) in enumerate(CELLS):
        d = out / f"cell{i}"
        d.mkdir(parents=True)
        (d / "summary.json").write_text(json.dumps({"budget": budget, "tracker": tracker, "accuracy": acc,
                                                    "spend": {"cost_usd_per_question": cost}}))


def test_labels_of_cells_that_share_a_cost_do_not_overlap(tmp_path, saved):
    _write_cells(tmp_path / "out")
    png = plot(tmp_path / "out", tmp_path / "out" / "accuracy_vs_cost.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    labels, axes = saved[-1]
    assert len(labels) == len(CELLS) and {t for t, _, _ in labels} >= {"search=1,open=1,find=1", "search=3,open=3,find=1"}
    same_cost = [(a, b) for a, b in combinations(labels, 2) if a[1][0] == b[1][0]]
    assert len(same_cost) == 4  # 0.006 twice, 0.0065 three times
    for a, b in combinations(labels, 2):
        assert not a[2].overlaps(b[2]), f"{a[0]} at {a[1]} and {b[0]} at {b[1]} overlap"
    assert all(box.x1 <= axes.x1 + 1 for _, _, box in labels)  # none runs off the axes on the right


def test_no_cell_writes_no_plot(tmp_path):
    (tmp_path / "out").mkdir()
    assert plot(tmp_path / "out", tmp_path / "out" / "p.png") is None and not (tmp_path / "out" / "p.png").exists()


def test_placing_moves_only_labels_that_would_collide():
    offsets = place([(0, 0), (0, 0), (500, 0), (0, 100), (990, 0)], ["search=1", "search=1", "far away", "above",
                                                                      "at the edge"], right=1000)
    assert offsets[0] == (3, 3, "left") and offsets[1][1] > offsets[0][1]  # the same point: the second goes up
    assert offsets[2] == (3, 3, "left") and offsets[3] == (3, 3, "left")  # elsewhere: left where it is
    assert offsets[4] == (-3, 3, "right")  # it would leave the axes: it goes left of its point
