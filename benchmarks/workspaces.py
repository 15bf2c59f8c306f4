"""Benchmark candidate workspaces and the verification pool.

    python benchmarks/workspaces.py --json

(a) 16 candidate workspaces of a generated repository (a few hundred files, some history):
    git worktrees (WorkspaceManager in its default mode: overlay-backed where root, else plain
    checkout; the plain-checkout time is reported too) vs `git clone --no-local` (a full copy of the object store,
    what one does without worktrees; a plain local clone would hardlink objects, reported too).
    "speedup" = clone time / worktree time (target >= 10). Both write the same checkout; the clone
    also copies the whole history, so the ratio grows with --commits. Measured on the temp dir and,
    where present, on /dev/shm (file creation dominates on slow disks).
(b) 16 candidates whose test suite burns ~1 s of CPU, verified in bwrap through the pool.
    "parallel_efficiency" = ideal / measured, ideal = 16 * t_single / cores (target >= 0.75).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sandboxes.pool import VerificationPool, VerifyJob  # noqa: E402
from sandboxes.workspace import WorkspaceManager  # noqa: E402

N = 16
GIT_ENV = {**os.environ, "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@x", "GIT_COMMITTER_NAME": "b",
           "GIT_COMMITTER_EMAIL": "b@x"}


def git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, env=GIT_ENV, check=True, capture_output=True)


def make_repo(path: Path, files: int = 300, commits: int = 60) -> Path:
    path.mkdir()
    git("init", "-q", cwd=path)
    for c in range(commits):
        for i in range(c % 10, files, 10):  # each commit rewrites a tenth of the files
            f = path / f"pkg{i % 12}" / f"mod{i}.py"
            f.parent.mkdir(exist_ok=True)
            f.write_text("".join(f"def f{i}_{k}(x):\n    return x * {k} + {c}  # revision {c}\n" for k in range(40)))
        git("add", "-A", cwd=path)
        git("commit", "-q", "-m", f"rev {c}", cwd=path)
    git("gc", "-q", cwd=path)  # packed, like any cloned repository
    return path


def time_worktrees(repo: Path, root: Path, mode: str) -> tuple[str, float]:
    manager = WorkspaceManager(repo, root=root, mode=mode)
    t = time.perf_counter()  # includes the overlay template's one checkout
    spaces = [manager.create("HEAD") for _ in range(N)]
    elapsed = time.perf_counter() - t
    for ws in spaces:
        ws.close()
    manager.drop_templates()
    return manager.mode, elapsed


def bench_workspaces(repo: Path, tmp: Path) -> dict:
    mode, worktree_s = time_worktrees(repo, tmp / "worktrees", "auto")  # what the pool uses
    _, checkout_s = time_worktrees(repo, tmp / "worktrees-co", "checkout")

    def clones(extra: list[str], name: str) -> float:
        t = time.perf_counter()
        for i in range(N):
            git("clone", "-q", *extra, str(repo), str(tmp / f"{name}{i}"), cwd=tmp)
        return time.perf_counter() - t

    no_local_s = clones(["--no-local"], "full")
    hardlink_s = clones([], "hard")
    return {"dir": str(tmp), "worktree_mode": mode, "worktree_checkout_s": round(checkout_s, 3),
            "speedup_checkout_mode": round(no_local_s / checkout_s, 2), "worktree_s": round(worktree_s, 3), "clone_s": round(no_local_s, 3),
            "clone_mode": "git clone --no-local (full object copy)",
            "clone_hardlink_s": round(hardlink_s, 3),
            "speedup": round(no_local_s / worktree_s, 2),
            "speedup_vs_hardlink_clone": round(hardlink_s / worktree_s, 2)}


def bench_pool(tmp: Path, backend: str, work_s: float) -> dict:
    repo = tmp / "prepo"
    repo.mkdir()
    (repo / "test_suite.py").write_text(
        "import time\nend = time.process_time() + %r\nwhile time.process_time() < end:\n    pass\n" % work_s)
    git("init", "-q", cwd=repo)
    git("add", "-A", cwd=repo)
    git("commit", "-q", "-m", "suite", cwd=repo)
    cores = os.cpu_count() or 1
    job = lambda i: VerifyJob(candidate_id=str(i), command="python3 test_suite.py", timeout=120)  # noqa: E731

    single_pool = VerificationPool(repo, backend=backend, workspace_root=tmp / "p1")  # one job at a time
    singles = []
    for i in range(3):
        t = time.perf_counter()
        assert asyncio.run(single_pool.verify(job(i))).passed
        singles.append(time.perf_counter() - t)
    t_single = statistics.median(singles)

    pool = VerificationPool(repo, backend=backend, workspace_root=tmp / "pN")  # bounded by sandboxes.execution.SLOTS
    t = time.perf_counter()
    results = asyncio.run(pool.verify_all([job(i) for i in range(N)]))
    measured = time.perf_counter() - t
    assert all(r.passed for r in results), [r.result for r in results if not r.passed][:1]
    ideal = N * t_single / cores
    return {"backend": backend, "candidates": N, "cores": cores, "concurrency": cores,
            "suite_cpu_s": work_s, "t_single_s": round(t_single, 3), "ideal_s": round(ideal, 3),
            "measured_s": round(measured, 3), "parallel_efficiency": round(ideal / measured, 3),
            "loadavg_1m": round(os.getloadavg()[0], 2)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print one JSON line")
    ap.add_argument("--backend", default="bwrap")
    ap.add_argument("--suite-seconds", type=float, default=1.0)
    ap.add_argument("--commits", type=int, default=60, help="history length of the generated repository")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-ws-"))
    try:
        repo = make_repo(tmp / "repo", commits=args.commits)
        pack_kb = sum(p.stat().st_size for p in (repo / ".git" / "objects" / "pack").iterdir()) // 1024
        out: dict = {"repo": {"files": sum(1 for _ in repo.rglob("*.py")), "commits": args.commits, "pack_kb": pack_kb},
                     "workspaces": bench_workspaces(repo, tmp)}
        if Path("/dev/shm").is_dir():  # file creation is slow on some disks: same test on tmpfs
            shm = Path(tempfile.mkdtemp(prefix="bench-ws-", dir="/dev/shm"))
            try:
                out["workspaces_tmpfs"] = bench_workspaces(repo, shm)
            finally:
                shutil.rmtree(shm, ignore_errors=True)
        out["pool"] = bench_pool(tmp, args.backend, args.suite_seconds)
        out["speedup"] = out["workspaces"]["speedup"]
        out["parallel_efficiency"] = out["pool"]["parallel_efficiency"]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps(out) if args.json else json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
