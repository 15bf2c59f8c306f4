"""The local executor: N long-lived worker processes, one cell at a time each.

A worker process keeps what it loaded (a local model is loaded once per worker, not per task). A
cell's timeout counts from its start in the worker (after the worker's imports). A cell
that runs past its timeout, or a worker that dies (a crash in native code, the OOM killer), costs
only that cell: its process group is killed, the cell gets a `timeout` / `error` row, and a fresh
worker takes the next cell. Workers die with the runner (PR_SET_PDEATHSIG), so a killed runner
leaves no worker writing into a run directory the next run resumes.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from multiprocessing.connection import Connection
from typing import Any, Callable, Iterable

from agents.bench.cell import _error_row

SPEND_EVERY_S = 0.5
STARTUP_S = 120.0  # a worker's imports before a task's --timeout starts counting


def _die_with_parent() -> None:
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _worker_main(fd: int, parent: int) -> None:
    """The worker process (`python -c`, its own session: a timeout kills its sandboxes and helpers too)."""
    _die_with_parent()
    if os.getppid() != parent:
        os._exit(0)
    conn = Connection(fd)
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    from agents.bench.cell import _preload, run_cell

    while True:
        try:
            spec = conn.recv()
        except (EOFError, OSError):
            return
        if spec is None:
            return
        try:  # the kind's modules, before the task's clock starts (a task's error comes from run_cell)
            _preload(spec.get("preload") or [])
        except Exception:  # noqa: BLE001
            pass
        conn.send(("start", (spec["arm_id"], spec["task_id"])))
        last = [0.0]

        def on_spend(spent: dict, key=(spec["arm_id"], spec["task_id"])) -> None:
            now = time.monotonic()
            if now - last[0] >= SPEND_EVERY_S:
                last[0] = now
                conn.send(("spend", key, spent))

        conn.send(("row", run_cell(spec, on_spend)))


class _Worker:
    """A plain `python -c` child (not multiprocessing's spawn, which re-runs the caller's main script)
    talking over a socket pair; it finds the modules the runner finds (the parent's sys.path)."""

    def __init__(self):
        import socket

        mine, theirs = socket.socketpair()
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p and os.path.isdir(p)))
        code = f"from agents.bench.local import _worker_main; _worker_main({theirs.fileno()}, {os.getpid()})"
        self.proc = subprocess.Popen([sys.executable, "-c", code], pass_fds=[theirs.fileno()], env=env,
                                     start_new_session=True, stdin=subprocess.DEVNULL)
        theirs.close()
        self.conn = Connection(mine.detach())

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.proc.kill()
        self.proc.wait()
        self.conn.close()

    def stop(self) -> None:
        try:
            self.conn.send(None)
            self.proc.wait(5)
        except (OSError, subprocess.TimeoutExpired):
            pass
        self.kill()


class LocalExecutor:
    name = "local"

    def __init__(self, workers: int = 1, timeout: float | None = None):
        self.workers, self.timeout = max(1, workers), timeout
        self.pids: list[int] = []  # live worker pids (the benchmark reads their memory)

    def run(self, specs: Iterable[dict[str, Any]], on_row: Callable[[dict], None],
            on_spend: Callable[[tuple, dict], None]) -> None:
        todo, take = iter(specs), threading.Lock()  # taken one at a time, as a slot frees (a batch
        errors: list[BaseException] = []            # budget sizes a task when it starts: agents.bench.batch)

        def slot() -> None:
            worker: _Worker | None = None
            try:
                while True:
                    with take:
                        spec = next(todo, None)
                    if spec is None:
                        return
                    if worker is None:
                        worker = _Worker()
                        self.pids.append(worker.proc.pid)
                    row, worker = self._one(worker, spec, on_spend)
                    on_row(row)
            except BaseException as exc:  # the runner's own failure (its store): stop this slot, report it
                errors.append(exc)
            finally:
                if worker is not None:
                    worker.stop()

        threads = [threading.Thread(target=slot, daemon=True) for _ in range(self.workers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            raise errors[0]

    def _one(self, worker: _Worker, spec: dict[str, Any], on_spend) -> tuple[dict, _Worker | None]:
        started = time.monotonic()
        # the clock starts when the worker has imported what the task needs and starts it (a fresh worker
        # takes seconds on a loaded machine); until then it has STARTUP_S more
        deadline = started + self.timeout + STARTUP_S if self.timeout else None
        try:
            worker.conn.send(spec)
            while True:
                wait = 1.0 if deadline is None else max(0.0, min(1.0, deadline - time.monotonic()))
                if worker.conn.poll(wait):
                    msg = worker.conn.recv()
                    if msg[0] == "spend":
                        on_spend(msg[1], msg[2])
                        continue
                    if msg[0] == "start":
                        deadline = time.monotonic() + self.timeout if self.timeout else None
                        continue
                    return msg[1], worker
                if deadline is not None and time.monotonic() >= deadline:
                    worker.kill()
                    return _error_row(spec, "timeout", f"timed out after {self.timeout:g} s (the task was stopped; "
                                      "raise --timeout to give tasks longer)", time.monotonic() - started), None
                if not worker.alive():
                    raise EOFError
        except (EOFError, OSError):
            worker.kill()
            code = worker.proc.returncode
            return _error_row(spec, "error", f"the worker process died (exit code {code}) while running this task",
                              time.monotonic() - started), None
