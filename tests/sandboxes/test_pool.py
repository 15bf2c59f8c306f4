"""VerificationPool over the one charged execution path: one charge per run, bounded concurrency."""
from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sbx_helpers import FIX_ADD_PATCH, make_calc_repo, require_backend

from budgets import Budget, BudgetExceeded, BudgetTracker
from sandboxes import execution
from sandboxes.execution import ExecJob, execute
from sandboxes.pool import VerificationPool, VerifyJob

FIX = FIX_ADD_PATCH
TEST = "python3 -c 'import time, calc; time.sleep(0.3); assert calc.add(2, 2) == 4'"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_calc_repo(tmp_path / "repo")


def test_concurrent_verifications_charged_once_each(repo, tmp_path):
    require_backend("bwrap")
    tracker = BudgetTracker(Budget(tools={"run_tests": 10}))
    pool = VerificationPool(repo, backend="bwrap", charger=tracker, workspace_root=tmp_path / "ws")
    jobs = [VerifyJob(candidate_id=f"good{i}", patch=FIX, command=TEST) for i in range(4)]
    jobs += [VerifyJob(candidate_id="unpatched", command=TEST),
             VerifyJob(candidate_id="broken", patch="not a diff", command=TEST)]
    execution.RUNNING["peak"] = 0
    results = asyncio.run(pool.verify_all(jobs))
    assert [r.candidate_id for r in results] == [j.candidate_id for j in jobs]
    assert all(r.passed for r in results[:4])
    assert results[4].result is not None and not results[4].passed and "AssertionError" in results[4].result.stderr
    assert results[5].patch_error and results[5].result is None
    # five runs happened and were charged; the patch that did not apply was refunded
    assert tracker.spent.tools == {"run_tests": 5} and tracker.reserved.tools.get("run_tests", 0) == 0
    assert 1 < execution.RUNNING["peak"] <= execution.SLOTS._initial_value
    leftovers = [p.name for p in (tmp_path / "ws").iterdir() if p.name != "templates"]  # templates: a cache
    assert leftovers == []  # every candidate workspace cleaned up


def test_one_process_wide_bound_of_one_run_per_core():
    import os

    assert execution.SLOTS._initial_value == (os.cpu_count() or 1)


def test_refused_charge_propagates_without_dangling_reservations(repo, tmp_path):
    tracker = BudgetTracker(Budget(tools={"run_tests": 2}))
    pool = VerificationPool(repo, backend="local", charger=tracker, workspace_root=tmp_path / "ws")
    jobs = [VerifyJob(candidate_id=str(i), command="true") for i in range(4)]
    with pytest.warns(UserWarning), pytest.raises(BudgetExceeded):
        asyncio.run(pool.verify_all(jobs))
    assert tracker.spent.tools == {"run_tests": 2} and tracker.reserved.tools.get("run_tests", 0) == 0


def test_execute_refuses_paths_outside_the_workspace(tmp_path):
    tracker = BudgetTracker(Budget(tools={"run_tests": 5}))
    for bad in ("../escape.py", "/etc/x", "a/../../b"):
        with pytest.raises(ValueError, match="outside the workspace"):
            execute(ExecJob(files={bad: "x"}, command="true"), backend="local", charger=tracker)
    assert not (tmp_path.parent / "escape.py").exists()
    assert tracker.spent.tools.get("run_tests", 0) == 0  # nothing ran: every reservation was released


def test_execute_never_writes_a_file_through_a_link_the_patch_made(repo, tmp_path):
    """A model patch can add a symlink; the host then writes the job's files as root: not through it."""
    target = tmp_path / "host_secret.txt"
    target.write_text("untouched")
    link_patch = ("diff --git a/gen_test.py b/gen_test.py\nnew file mode 120000\n--- /dev/null\n+++ b/gen_test.py\n"
                  f"@@ -0,0 +1 @@\n+{target}\n\\ No newline at end of file\n")
    tracker = BudgetTracker(Budget(tools={"run_tests": 5}))
    with pytest.raises(ValueError, match="link|plain path"):
        execute(ExecJob(repo=repo, patch=link_patch, files={"gen_test.py": "pwned"}, command="true"),
                backend="local", charger=tracker, workspace_root=tmp_path / "ws")
    assert target.read_text() == "untouched"
    assert tracker.spent.tools.get("run_tests", 0) == 0


def test_a_run_never_outlasts_the_budgets_wall_time(tmp_path):
    import time

    tracker = BudgetTracker(Budget(wall_seconds=2, tools={"run_tests": 5}))
    t0 = time.monotonic()
    with pytest.warns(UserWarning):  # the local backend says it does not isolate
        out = execute(ExecJob(command="sleep 30", timeout=60), backend="local", charger=tracker)
    assert out.result.timed_out and time.monotonic() - t0 < 10
