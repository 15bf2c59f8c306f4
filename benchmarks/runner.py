"""The benchmark runner's own costs, on instant tasks (the `bench-scripted` kind: a scripted model, a
trivial verifier), through the full path (worker processes, pipelines.execute with its checkpoints,
the SQLite store).

    python benchmarks/runner.py --json

prints one JSON line:
- rss_growth_mb: peak RSS (runner + workers) after task 1,000 minus after task 100 (goal < 50)
- speedup_2_workers: steady-state throughput with 2 local workers over 1 (goal >= 1.8; needs 2 idle
  cores); throughput counts rows from task n/10 to the last, so worker start-up (imports) is left out
  (`speedup_2_workers_with_startup` is the same ratio of whole-run wall times)
- ray_overhead_ms_per_task: Ray's steady-state time per task minus the local one's, both with 2 workers
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")


def _arms():
    import agents.bench.scripted  # noqa: F401
    from agents.bench import make_arms
    from budgets import Budget

    return make_arms("bench-scripted", modes=[], ks=[1], budgets=[("", Budget(tokens=10**9))],
                     models=["scripted/bench"], base={"sandbox": "local", "api_base": None, "price": None},
                     options={"steps": 1})


def _peak_mb(pids: list[int]) -> float:
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    kb += int(line.split()[1])
        except OSError:
            pass
    return kb / 1024


def run(n: int, workers: int, executor: str, marks: tuple[int, ...] = ()) -> tuple[float, dict[int, float]]:
    from agents.bench.runner import Runner, make_executor, plan_tasks

    ex = make_executor(executor, workers=workers, timeout=None)
    seen, at, times = [0], {}, []

    def on_event(e: dict) -> None:
        if e["event"] == "row":
            seen[0] += 1
            times.append(time.perf_counter())
            if seen[0] in marks:
                at[seen[0]] = _peak_mb(getattr(ex, "pids", []))

    arms = _arms()
    with tempfile.TemporaryDirectory(prefix="bench-runner-") as tmp:
        runner = Runner("bench-scripted", plan_tasks("bench-scripted", {"n": n}), arms, out=Path(tmp) / "out",
                        executor=ex, on_event=on_event)
        t0 = time.perf_counter()
        s = runner.run()
        wall = time.perf_counter() - t0
    assert s["totals"]["succeeded"] == n, s["totals"]
    warm = n // 10  # steady state: from the row of task n/10 to the last (worker start-up left out, as for Ray)
    at["steady_s_per_task"] = (times[-1] - times[warm]) / (n - 1 - warm) if n - 1 > warm else wall / n
    return wall, at


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tasks", type=int, default=1000, help="tasks of the memory run")
    ap.add_argument("--speed-tasks", type=int, default=600, help="tasks of each throughput run")
    ap.add_argument("--no-ray", action="store_true")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    first = min(100, args.tasks)
    _, at = run(args.tasks, 2, "local", marks=(first, args.tasks))
    one_wall, one_at = run(args.speed_tasks, 1, "local")
    two_wall, two_at = run(args.speed_tasks, 2, "local")
    one, two = one_at["steady_s_per_task"] * args.speed_tasks, two_at["steady_s_per_task"] * args.speed_tasks
    out = {"tasks": args.tasks, "rss_mb_at_100": round(at[first], 1), "rss_mb_at_end": round(at[args.tasks], 1),
           "rss_growth_mb": round(at[args.tasks] - at[first], 1), "speed_tasks": args.speed_tasks,
           "tasks_per_s_1_worker": round(args.speed_tasks / one, 2), "tasks_per_s_2_workers": round(args.speed_tasks / two, 2),
           "speedup_2_workers": round(one / two, 2),
           "speedup_2_workers_with_startup": round(one_wall / two_wall, 2), "cpus": os.cpu_count(), "load_avg_1m": round(os.getloadavg()[0], 2)}
    if not args.no_ray:
        import ray

        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
                 runtime_env={"env_vars": {"PYTHONPATH": str(ROOT), "LITELLM_LOCAL_MODEL_COST_MAP": "True"}})
        run(4, 2, "ray")  # warm the Ray workers (imports), as the local runs' workers were
        _, ray_at = run(args.speed_tasks, 2, "ray")
        ray.shutdown()
        per_task = ray_at["steady_s_per_task"]
        out |= {"ray_tasks_per_s": round(1 / per_task, 2),
                "ray_overhead_ms_per_task": round((per_task - two_at["steady_s_per_task"]) * 1000, 1)}
    print(json.dumps(out) if args.json else json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
