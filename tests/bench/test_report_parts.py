"""Parts of the report: the Pareto front, GUI screenshots embedded only from the run's own screens, and
`report` on a directory that holds no benchmark."""
import base64
import os

from agents.bench.plots import pareto_front
from agents.bench.report import _trajectory

PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")


def test_the_pareto_front_keeps_the_arms_nothing_beats():
    points = [(1.0, 0.5), (2.0, 0.5), (2.0, 0.8), (0.5, 0.2), (3.0, 0.7)]
    assert pareto_front(points) == [3, 0, 2]  # by cost: cheapest, then each better success


def test_screenshots_are_embedded_from_the_runs_screens_only(tmp_path):
    run = tmp_path / "run"
    (run / "screens").mkdir(parents=True)
    (run / "screens" / "s0.png").write_bytes(PNG)
    (tmp_path / "secret.png").write_bytes(PNG)
    os.symlink(tmp_path / "secret.png", run / "screens" / "link.png")
    steps = [{"stage": "act", "step": i, "decision": {"action": "accept", "reason": "done"}, "screenshot": shot}
             for i, shot in enumerate(["s0.png", "../../secret.png", "link.png", "/etc/passwd"])]
    page = _trajectory(steps, str(run))
    assert page.count("data:image/png;base64,") == 1


def test_report_on_a_run_without_a_store_is_one_line(tmp_path):
    import subprocess
    import sys

    from tests.bench.helpers import ROOT, env

    r = subprocess.run([sys.executable, "-m", "agents.cli", "report", str(tmp_path), "--html", str(tmp_path / "r.html")],
                       capture_output=True, text=True, env=env(), cwd=ROOT, timeout=120)
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert r.returncode == 2 and len(lines) == 1 and "holds no benchmark results" in lines[0]
    assert not (tmp_path / "r.html").exists()
