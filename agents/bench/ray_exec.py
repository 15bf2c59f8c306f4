"""The Ray executor: one Ray task per cell (its own run directory, sandbox and budget), on a local Ray
instance or a cluster (`--address ray://HEAD:10001`, or `auto` on a cluster node).

Each Ray task calls the same `run_cell` as a local worker and returns the row; the runner writes it
into the store, so results land in the same tables as a local run's. While it runs, a task puts what
it has spent so far on a Ray queue (an actor, at most every 0.5 s); the driver passes the latest per
running task to the progress bar, so the bar's spend counts running tasks too. A cell past its timeout is
cancelled (`ray.cancel(force=True)` kills its worker) and gets a `timeout` row. At most `workers`
cells are in flight at once (default: the cluster's CPUs), so a cell's timeout counts from about its
start. Run directories are paths on the node that runs the cell: on a cluster, give --out on a
filesystem every node mounts at the same path, or a resume cannot find a killed cell's checkpoint.
"""
from __future__ import annotations

import os
import time
from typing import Any, Callable, Iterable

from agents.bench.cell import _error_row
from agents.errors import ConfigError

SPEND_EVERY_S = 0.5


def _cell(spec: dict[str, Any], spend_queue: Any = None) -> dict[str, Any]:
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    from agents.bench.cell import run_cell

    key, last = (spec["arm_id"], spec["task_id"]), [0.0]

    def on_spend(spent: dict) -> None:  # what the running task spent so far, to the driver's progress bar
        now = time.monotonic()
        if spend_queue is not None and now - last[0] >= SPEND_EVERY_S:
            last[0] = now
            try:
                spend_queue.put_nowait((key, spent))
            except Exception:  # noqa: BLE001 - a full or gone queue costs the bar an update, never the task
                pass

    return run_cell(spec, on_spend)


class RayExecutor:
    name = "ray"

    def __init__(self, workers: int | None = None, timeout: float | None = None, address: str | None = None):
        try:
            import ray
        except ImportError:
            raise ConfigError("--executor ray needs Ray: pip install 'scaleagent[bench]' (or ray)") from None
        self.ray, self.timeout, self.address = ray, timeout, address
        self.workers = workers
        self.started_here = False

    def _connect(self) -> None:
        ray = self.ray
        if ray.is_initialized():
            return
        try:
            if self.address:
                ray.init(address=self.address, log_to_driver=False)
            else:
                ray.init(num_cpus=self.workers or os.cpu_count(), include_dashboard=False, log_to_driver=False)
        except Exception as exc:  # ConnectionError, RuntimeError, ValueError from ray.init
            where = f"the Ray cluster at {self.address}" if self.address else "a local Ray instance"
            raise ConfigError(f"cannot start {where}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from None
        self.started_here = True

    def run(self, specs: Iterable[dict[str, Any]], on_row: Callable[[dict], None],
            on_spend: Callable[[tuple, dict], None]) -> None:
        ray = self.ray
        self._connect()
        remote = ray.remote(num_cpus=1, max_retries=0)(_cell)
        slots = self.workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
        spend_queue = _spend_queue()
        pending = iter(specs)  # taken as a slot frees (a batch budget sizes a task when it starts)
        flight: dict[Any, tuple[dict, float]] = {}
        more = True
        try:
            while more or flight:
                while more and len(flight) < slots:
                    spec = next(pending, None)
                    if spec is None:
                        more = False
                        break
                    flight[remote.remote(spec, spend_queue)] = (spec, time.monotonic())
                if not flight:
                    continue
                ready, _ = ray.wait(list(flight), num_returns=1, timeout=0.5)
                _drain(spend_queue, flight, on_spend)
                for ref in ready:
                    spec, started = flight.pop(ref)
                    try:
                        row = ray.get(ref)
                    except Exception as exc:  # the worker died, or the task raised past run_cell
                        row = _error_row(spec, "error", f"the Ray task failed: {str(exc).splitlines()[0]}",
                                         time.monotonic() - started)
                    on_row(row)
                if self.timeout:
                    now = time.monotonic()
                    for ref, (spec, started) in list(flight.items()):
                        if now - started > self.timeout:
                            ray.cancel(ref, force=True)
                            del flight[ref]
                            on_row(_error_row(spec, "timeout", f"timed out after {self.timeout:g} s (the Ray task "
                                              "was cancelled; raise --timeout to give tasks longer)", now - started))
        finally:
            for ref in flight:
                ray.cancel(ref, force=True)
            if spend_queue is not None:
                try:
                    spend_queue.shutdown()
                except Exception:  # noqa: BLE001
                    pass

    def close(self) -> None:
        if self.started_here and not self.address:
            self.ray.shutdown()


def _spend_queue() -> Any:
    """A Ray queue (an actor) the cells put their running spend on; None where it cannot be made (the bar
    then counts finished tasks only)."""
    try:
        from ray.util.queue import Queue

        return Queue(maxsize=10_000, actor_options={"num_cpus": 0})
    except Exception:  # noqa: BLE001
        return None


def _drain(spend_queue: Any, flight: dict, on_spend: Callable[[tuple, dict], None]) -> None:
    """Pass on the running tasks' spend (the latest per task; a task already finished is skipped)."""
    if spend_queue is None:
        return
    try:
        n = spend_queue.qsize()
        items = spend_queue.get_nowait_batch(n) if n else []
    except Exception:  # noqa: BLE001
        return
    running = {(s["arm_id"], s["task_id"]) for s, _ in flight.values()}
    latest = {tuple(key): spent for key, spent in items}
    for key, spent in latest.items():
        if key in running:
            on_spend(key, spent)
