"""Code under test may use multiprocessing: POSIX semaphores need a writable /dev/shm in every backend
(bwrap's minimal /dev had a root-owned one: `multiprocessing.Pool` failed with EACCES)."""
from __future__ import annotations

import pytest
from sbx_helpers import ALL_BACKENDS, backend_params

POOL = "import multiprocessing as m; print(sum(m.Pool(2).map(abs, [-1, -2, -3])))"


@pytest.mark.parametrize("backend", backend_params(ALL_BACKENDS))
def test_multiprocessing_pool_runs(make_sandbox, backend):
    sb = make_sandbox(backend, **({"warn": False} if backend == "local" else {}))
    r = sb.run([sb.python, "-c", POOL], timeout=60)
    assert r.ok and r.stdout.strip() == "6", r.stderr[-300:]
