"""How many cores other work keeps busy right now, for choosing llama threads.

The 1-minute load average lags: right after a benchmark (or `make setup`'s build) ends it still says
1.2 on an idle 2-core machine, and `make demo` then ran its 1.5B model on one thread, 14.4 minutes
instead of about 7 (2026-12-05). `/proc/stat` sampled over a quarter of a second says what the cores
do now. None where there is no `/proc/stat` (not Linux): the caller falls back to the load average.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

STAT = Path("/proc/stat")


def cpu_times(stat: Path = STAT) -> tuple[int, int] | None:
    """(busy, total) jiffies over all cores since boot, from the aggregate `cpu` line; None if unreadable."""
    try:
        with stat.open() as f:
            fields = f.readline().split()
    except OSError:
        return None
    if len(fields) < 5 or fields[0] != "cpu" or not all(x.isdigit() for x in fields[1:]):
        return None
    values = [int(x) for x in fields[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    return sum(values[:8]) - idle, sum(values[:8])  # guest time is already counted in user time


def busy_cores(window: float = 0.25, stat: Path = STAT) -> float | None:
    """Cores busy (0 to the core count) over the next `window` seconds; None where it cannot be read."""
    first = cpu_times(stat)
    if first is None:
        return None
    time.sleep(window)
    second = cpu_times(stat)
    if second is None or second[1] <= first[1]:
        return None
    return (second[0] - first[0]) / (second[1] - first[1]) * (os.cpu_count() or 1)
