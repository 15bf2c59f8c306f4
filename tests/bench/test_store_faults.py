"""A damaged results store and a full disk: a clear message, and the run goes on; nothing is lost
(every task's row is kept in its run directory and added to the store on the next run)."""
import os
import shutil
import subprocess

import pytest

from tests.bench.helpers import rows, run_cli, summary_of


def test_a_corrupt_store_is_moved_aside_and_rebuilt_from_the_tasks(tmp_path):
    out = tmp_path / "out"
    r = run_cli(out, 3, "--workers", "2")
    assert r.returncode == 0, r.stderr
    first = {x["task_id"]: x["run_id"] for x in rows(out)}
    for side in ("-wal", "-shm"):
        (out / f"results.sqlite{side}").unlink(missing_ok=True)
    (out / "results.sqlite").write_bytes(b"this is not a database\n" * 400)
    r = run_cli(out, 5, "--workers", "2")
    assert r.returncode == 0, r.stderr
    warnings = [ln for ln in r.stderr.splitlines() if "damaged" in ln]
    assert len(warnings) == 1 and "rebuilt it from the task directories" in warnings[0] and "Traceback" not in r.stderr
    aside = list(out.glob("results.sqlite.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_bytes().startswith(b"this is not a database")
    final = {x["task_id"]: x["run_id"] for x in rows(out)}
    assert sorted(final) == ["t0", "t1", "t2", "t3", "t4"]
    assert all(final[t] == first[t] for t in first)  # the finished tasks were not run again
    assert summary_of(r.stdout)["totals"]["tasks"] == 5


@pytest.fixture
def tiny_disk(tmp_path):
    """OUT on a 192 KiB tmpfs (the store fills it); the task run directories elsewhere (OUT/arms is a
    link to a normal directory), so only the store's writes fail."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("needs root to mount a small tmpfs")
    out = tmp_path / "out"
    out.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=192k", "tmpfs", str(out)], capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {r.stderr.strip()}")
    (tmp_path / "arms").mkdir()
    (out / "arms").symlink_to(tmp_path / "arms")
    yield out
    subprocess.run(["umount", "-l", str(out)], check=False)


def test_a_full_disk_under_the_store_is_one_clear_error_and_the_run_goes_on(tiny_disk):
    out = tiny_disk
    n = 40
    r = run_cli(out, n, "--workers", "2")
    assert r.returncode == 2, r.stderr
    errors = [ln for ln in r.stderr.splitlines() if ln.startswith("scaleagent: error:")]
    assert len(errors) == 1 and "could not be written" in errors[0] and "full" in errors[0], r.stderr
    assert "Traceback" not in r.stderr
    assert any("cannot write the results store" in ln for ln in r.stderr.splitlines())
    stored = len(rows(out))
    assert stored < n
    assert len(list((out / "arms").glob("*/*/bench_row.json"))) == n  # every task ran to its end
    # room again: the same command adds the kept rows and runs nothing again
    subprocess.run(["mount", "-o", "remount,size=8m", str(out)], check=True)
    r = run_cli(out, n, "--workers", "2")
    assert r.returncode == 0, r.stderr
    final = rows(out)
    assert len(final) == len({x["task_id"] for x in final}) == n
    assert all(x["status"] == "success" for x in final)
    assert summary_of(r.stdout)["totals"]["model_calls"] == sum(x["model_calls"] for x in final) == n


def test_a_disk_full_before_the_first_task_is_one_clear_error(tiny_disk):
    (tiny_disk / "filler").write_bytes(b"\0" * (192 * 1024 - 4096))
    r = run_cli(tiny_disk, 2, "--workers", "1")
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    assert len(lines) == 1 and "results store" in lines[0] and "full" in lines[0], r.stderr
