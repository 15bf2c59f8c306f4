"""The Ray executor: one Ray task per cell (its own run directory, sandbox and budget), on a local Ray
instance or a cluster (`--address ray://HEAD:10001`, or `auto` on a cluster node).

Each Ray task calls the same `run_cell` as a local worker and returns the row; the runner writes it
into the store, so results land in the same tables as a local run's. A cell past its timeout is
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


def _cell(spec: dict[str, Any]) -> dict[str, Any]:
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    from agents.bench.cell import run_cell

    return run_cell(spec)


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
        pending = list(specs)
        pending.reverse()
        flight: dict[Any, tuple[dict, float]] = {}
        try:
            while pending or flight:
                while pending and len(flight) < slots:
                    spec = pending.pop()
                    flight[remote.remote(spec)] = (spec, time.monotonic())
                ready, _ = ray.wait(list(flight), num_returns=1, timeout=0.5)
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

    def close(self) -> None:
        if self.started_here and not self.address:
            self.ray.shutdown()
