"""Worktree workspaces: patches (good, conflicting, binary, malformed), diffs, crash cleanup."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import git
import pytest

from sbx_helpers import FIX_ADD_PATCH, make_calc_repo

from sandboxes import _overlay
from sandboxes.workspace import PatchError, WorkspaceManager


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_calc_repo(tmp_path / "repo", {"logo.bin": bytes(range(256))})


def overlay_ok(tmp_path: Path) -> bool:
    return _overlay.overlay_supported(str(tmp_path))


@pytest.fixture(params=["checkout", "overlay"])
def mode(request, tmp_path) -> str:
    if request.param == "overlay" and not overlay_ok(tmp_path):
        pytest.skip("overlay workspaces need root and overlayfs on the temp dir")
    return request.param


@pytest.fixture
def manager(repo: Path, tmp_path: Path, mode: str) -> WorkspaceManager:
    return WorkspaceManager(repo, root=tmp_path / "pool", mode=mode)


def candidate_worktrees(repo: Path) -> list[str]:
    """Registered worktrees except the main one and overlay templates (a kept cache)."""
    listing = git.Repo(repo).git.worktree("list", "--porcelain").split("\n\n")
    return [w for w in listing[1:] if "/templates/" not in w.splitlines()[0]]


GOOD = FIX_ADD_PATCH


def test_workspace_at_commit_and_cleanup(manager, repo):
    with manager.create("HEAD") as ws:
        assert (ws.path / "calc.py").read_text().startswith("def add")
        assert ws.base_commit == git.Repo(repo).head.commit.hexsha
        path = ws.path
    assert not path.exists()
    assert candidate_worktrees(repo) == []


def test_good_patch_and_diff_roundtrip(manager):
    with manager.create() as ws:
        ws.apply_patch(GOOD)
        assert "a + b" in (ws.path / "calc.py").read_text()
        (ws.path / "new_test.py").write_text("import calc\n")
        diff = ws.diff()
    assert "+    return a + b" in diff and "new file mode" in diff and "new_test.py" in diff
    with manager.create() as fresh:  # the diff replays on a clean checkout
        fresh.apply_patch(diff)
        assert (fresh.path / "new_test.py").exists()


def test_patch_without_final_newline_and_wrong_counts(manager):
    sloppy = GOOD.replace("@@ -1,2 +1,2 @@", "@@ -1,5 +1,7 @@").rstrip("\n")
    with manager.create() as ws:
        ws.apply_patch(sloppy)
        assert "a + b" in (ws.path / "calc.py").read_text()


def test_conflicting_patch_raises_and_leaves_tree(manager):
    conflict = GOOD.replace("-    return a - b", "-    return a * b")
    with manager.create() as ws:
        with pytest.raises(PatchError) as exc:
            ws.apply_patch(conflict)
        assert "\n" not in str(exc.value) and "calc.py" in str(exc.value)
        assert ws.diff() == ""


def test_binary_patch(manager, repo):
    with manager.create() as ws:
        (ws.path / "logo.bin").write_bytes(bytes(reversed(range(256))))
        (ws.path / "blob.dat").write_bytes(os.urandom(300) + b"\0")
        diff = ws.diff()
    assert "GIT binary patch" in diff
    with manager.create() as ws2:
        ws2.apply_patch(diff)
        assert (ws2.path / "logo.bin").read_bytes() == bytes(reversed(range(256)))
        assert len((ws2.path / "blob.dat").read_bytes()) == 301


@pytest.mark.parametrize("bad", ["", "this is not a diff\n", "diff --git a/calc.py b/calc.py\n--- a/calc.py\n+++ b/calc.py\n@@ garbage @@\n+x\n",
                                 GOOD.replace("calc.py", "missing.py")])
def test_malformed_patch_one_line_error(manager, bad):
    with manager.create() as ws:
        with pytest.raises(PatchError) as exc:
            ws.apply_patch(bad)
    msg = str(exc.value)
    assert msg and "\n" not in msg


def test_stale_worktrees_pruned_after_crash(repo, tmp_path, mode):
    root = tmp_path / "pool"
    crash = textwrap.dedent(f"""
        import os, sys
        sys.path.insert(0, {str(Path(__file__).resolve().parents[2])!r})
        from sandboxes.workspace import WorkspaceManager
        ws = WorkspaceManager({str(repo)!r}, root={str(root)!r}, mode={mode!r}).create()
        print(ws.path, flush=True)
        os._exit(1)  # crash: no cleanup runs
        """)
    leftover = Path(subprocess.run([sys.executable, "-c", crash], capture_output=True, text=True).stdout.strip())
    assert leftover.exists() and str(leftover) in git.Repo(repo).git.worktree("list")
    manager = WorkspaceManager(repo, root=root, mode=mode)  # "the next run"
    home = leftover.parent if mode == "overlay" else leftover  # overlay: <home>/tree is the mount
    assert manager.pruned == [home] and not home.exists() and not os.path.ismount(leftover)
    assert str(leftover) not in git.Repo(repo).git.worktree("list")
    mine = manager.create()
    assert WorkspaceManager(repo, root=root, mode=mode).pruned == []  # a live process's workspace is kept
    assert mine.path.exists()
    mine.close()


def test_overlay_workspaces_are_isolated_from_each_other(repo, tmp_path):
    if not overlay_ok(tmp_path):
        pytest.skip("overlay workspaces need root and overlayfs on the temp dir")
    manager = WorkspaceManager(repo, root=tmp_path / "pool", mode="overlay")
    with manager.create() as a, manager.create() as b:
        (a.path / "calc.py").write_text("changed in a\n")
        assert (b.path / "calc.py").read_text().startswith("def add")
        assert "changed in a" in a.diff() and b.diff() == ""
    template = next(p for p in (tmp_path / "pool" / "templates").iterdir() if p.is_dir())
    assert (template / "calc.py").read_text().startswith("def add")


def test_a_repository_rebuilt_at_the_same_path_gets_fresh_templates(tmp_path):
    """The overlay template cache outlives the repository: rebuilt at the same path with the same
    commits (as `make demo` rebuilds its example), the old template is no longer a worktree of the
    new repository and is rebuilt instead of failing every workspace."""
    if not overlay_ok(tmp_path):
        pytest.skip("overlay workspaces need root and overlayfs on the temp dir")
    import shutil

    repo = make_calc_repo(tmp_path / "repo", {})
    with WorkspaceManager(repo, root=tmp_path / "pool", mode="overlay").create() as ws:
        sha = ws.base_commit
    shutil.rmtree(repo)
    repo = make_calc_repo(tmp_path / "repo", {})
    manager = WorkspaceManager(repo, root=tmp_path / "pool", mode="overlay")
    with manager.create(sha) as ws:
        ws.apply_patch(GOOD)
        assert "return a + b" in (ws.path / "calc.py").read_text()


def test_workspaces_survive_a_concurrent_worktree_prune(manager, repo):
    """Another manager's `git worktree prune` (every manager runs one when it starts) must never
    delete a workspace being registered: bench runs in two processes on one repository lost a patch
    round to it (FileNotFoundError on the entry's `locked` file; `git worktree add` itself fails the
    same way)."""
    import threading

    stop = threading.Event()
    errors: list[BaseException] = []

    def prune() -> None:  # what every other manager (another process's) does when it starts
        other = WorkspaceManager(repo, root=manager.root.parent / "other-pool", mode=manager.mode)
        while not stop.is_set():
            other.prune_stale()

    pruner = threading.Thread(target=prune)
    pruner.start()
    try:
        for _ in range(25):
            try:
                with manager.create("HEAD") as ws:
                    git.Repo(str(ws.path)).git.status()   # still a registered worktree
            except Exception as e:  # noqa: BLE001 - collected and reported below
                errors.append(e)
    finally:
        stop.set()
        pruner.join()
    assert not errors, errors[0]
