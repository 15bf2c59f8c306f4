"""`--executor ray` on a local Ray instance with 2 workers started here: the same tasks as Ray tasks land
in the same store tables, with the rows a local run writes (status, steps, spend), and a hanging task
is cancelled by its timeout."""
import pytest

from agents.bench import run_bench
from tests.bench.helpers import KIND, ROOT, arms, rows

pytestmark = pytest.mark.slow  # starting Ray takes 10 s or more on a loaded machine

SPEC = {"n": 4, "crash": ["t1"], "fail": ["t2"], "hang": ["t3"]}
FIELDS = ("status", "success", "steps", "model_calls", "input_tokens", "output_tokens", "cost_usd")


@pytest.fixture(scope="module")
def ray_instance():
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             runtime_env={"env_vars": {"PYTHONPATH": str(ROOT), "LITELLM_LOCAL_MODEL_COST_MAP": "True"}})
    yield ray
    ray.shutdown()


def test_ray_rows_match_a_local_run(ray_instance, tmp_path):
    # warm both executors' workers (imports take seconds on a loaded machine; a cell's timeout counts them)
    run_bench(KIND, {"n": 2}, arms(steps=2), out=tmp_path / "warm", executor="ray", workers=2)
    local = run_bench(KIND, SPEC, arms(steps=2), out=tmp_path / "local", workers=2, timeout=15)
    remote = run_bench(KIND, SPEC, arms(steps=2), out=tmp_path / "ray", executor="ray", workers=2, timeout=15)
    assert remote["executor"] == "ray" and local["executor"] == "local"
    by_local = {r["task_id"]: r for r in rows(tmp_path / "local")}
    by_ray = {r["task_id"]: r for r in rows(tmp_path / "ray")}
    assert sorted(by_ray) == sorted(by_local) == ["t0", "t1", "t2", "t3"]
    for tid in by_local:
        assert {f: by_ray[tid][f] for f in FIELDS} == {f: by_local[tid][f] for f in FIELDS}, tid
    assert by_ray["t3"]["status"] == "timeout" and "cancelled" in by_ray["t3"]["error"]
    assert remote["arms"]["default"]["tasks"] == 4
    # the run directories are the local layout: a rerun over the Ray output runs nothing again
    again = run_bench(KIND, SPEC, arms(steps=2), out=tmp_path / "ray", executor="ray", workers=2, timeout=15)
    assert again["totals"] == remote["totals"] and len(rows(tmp_path / "ray")) == 4


def test_ray_progress_gets_the_spend_of_running_tasks(ray_instance, tmp_path):
    events: list[dict] = []
    run_bench(KIND, {"n": 2}, arms(steps=3, delay=0.4), out=tmp_path / "live", executor="ray", workers=2,
              on_event=events.append)
    spends = [e for e in events if e["event"] == "spend"]
    assert spends and {tuple(e["key"]) for e in spends} <= {("default", "t0"), ("default", "t1")}
    assert all(e["spent"]["model_calls"] >= 1 and "cost_usd" in e["spent"] for e in spends)
    finished = {e["row"]["task_id"]: i for i, e in enumerate(events) if e["event"] == "row"}
    # each reported while its task ran: before that task's row
    assert all(events.index(e) < finished[e["key"][1]] for e in spends)
