"""VerificationPool: concurrent verifications, one charge per run, bounded concurrency."""
from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sbx_helpers import FIX_ADD_PATCH, make_calc_repo, require_backend

from sandboxes.pool import VerificationPool, VerifyJob

FIX = FIX_ADD_PATCH
TEST = "python3 -c 'import time, calc; time.sleep(0.3); assert calc.add(2, 2) == 4'"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_calc_repo(tmp_path / "repo")


class CountingCharger:
    """Stands in for budgets.BudgetTracker: counts reservations, settles and releases."""

    def __init__(self, refuse_after: int | None = None):
        self.reserved = self.settled = self.released = 0
        self.refuse_after = refuse_after

    async def reserve_tool(self, name: str):
        assert name == "sandbox.verify"
        if self.refuse_after is not None and self.reserved >= self.refuse_after:
            raise RuntimeError("budget exceeded")
        self.reserved += 1
        charger = self

        class Reservation:
            def settle(self):
                charger.settled += 1

            async def release(self):  # async works too
                charger.released += 1

        return Reservation()


def test_concurrent_verifications_charged_once_each(repo, tmp_path):
    require_backend("bwrap")
    charger = CountingCharger()
    pool = VerificationPool(repo, backend="bwrap", concurrency=3, charger=charger, workspace_root=tmp_path / "ws")
    jobs = [VerifyJob(candidate_id=f"good{i}", patch=FIX, command=TEST) for i in range(4)]
    jobs += [VerifyJob(candidate_id="unpatched", command=TEST),
             VerifyJob(candidate_id="broken", patch="not a diff", command=TEST)]
    results = asyncio.run(pool.verify_all(jobs))
    assert [r.candidate_id for r in results] == [j.candidate_id for j in jobs]
    assert all(r.passed for r in results[:4])
    assert results[4].result is not None and not results[4].passed and "AssertionError" in results[4].result.stderr
    assert results[5].patch_error and results[5].result is None
    assert (charger.reserved, charger.settled, charger.released) == (6, 5, 1)
    assert 1 < pool.peak_active <= 3
    leftovers = [p.name for p in (tmp_path / "ws").iterdir() if p.name != "templates"]  # templates: a cache
    assert leftovers == []  # every candidate workspace cleaned up


def test_default_concurrency_is_cpu_count(repo, tmp_path, monkeypatch):
    monkeypatch.setattr("os.cpu_count", lambda: 5)
    assert VerificationPool(repo, workspace_root=tmp_path / "ws").concurrency == 5


def test_refused_charge_propagates_without_dangling_reservations(repo, tmp_path):
    charger = CountingCharger(refuse_after=2)
    pool = VerificationPool(repo, backend="local", concurrency=1, charger=charger, workspace_root=tmp_path / "ws")
    jobs = [VerifyJob(candidate_id=str(i), command="true") for i in range(4)]
    with pytest.warns(UserWarning), pytest.raises(RuntimeError, match="budget exceeded"):
        asyncio.run(pool.verify_all(jobs))
    assert charger.reserved == 2 and charger.settled + charger.released == 2
