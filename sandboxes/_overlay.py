"""Overlay-backed git worktrees: O(1) candidate workspaces (root only, falls back otherwise).

A plain `git worktree add` writes every file of the checkout; on a slow disk that is most of
the cost of a workspace (~0.7 ms a file here). Instead, one ordinary worktree per commit is
checked out once (the *template*) and each candidate gets an overlayfs mount on top of it:
reads come from the template, writes land in the candidate's own upper dir. The candidate is
still a registered git worktree (own HEAD and index under .git/worktrees/<name>), so git
diff/add work as usual; only the stat cache of its copied index is stale, so the first
`git add` re-reads the files.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
import shutil
from pathlib import Path

_libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)


def _mount(lower: Path, upper: Path, work: Path, merged: Path) -> str | None:
    """mount(2) directly: spawning mount(8) would cost as much as the rest of a workspace.
    Returns None on success, else the error."""
    for d in (upper, work, merged):
        d.mkdir(parents=True, exist_ok=True)
    opts = f"lowerdir={lower},upperdir={upper},workdir={work}".encode()
    if _libc.mount(b"overlay", str(merged).encode(), b"overlay", 0, opts) == 0:
        return None
    return os.strerror(ctypes.get_errno())


@functools.cache
def overlay_supported(root: str) -> bool:
    """Mount a tiny overlay under `root` once: needs root, overlayfs, and an upper fs that
    overlayfs accepts (not overlayfs itself, e.g. inside some containers)."""
    if os.geteuid() != 0:
        return False
    probe = Path(root) / f".overlay-probe-{os.getpid()}"
    try:
        (probe / "lower").mkdir(parents=True, exist_ok=True)
        ok = _mount(probe / "lower", probe / "upper", probe / "work", probe / "merged") is None
        if ok:
            unmount(probe / "merged")
        return ok
    finally:
        shutil.rmtree(probe, ignore_errors=True)


def unmount(merged: Path) -> None:
    if os.path.ismount(merged):
        if _libc.umount2(str(merged).encode(), 0) != 0:
            _libc.umount2(str(merged).encode(), 2)  # MNT_DETACH: busy, detach lazily


def template_gitdir(template: Path) -> Path:
    return Path((template / ".git").read_text().split("gitdir:", 1)[1].strip())


def mount_candidate(template: Path, home: Path, common_dir: Path, sha: str) -> tuple[Path, Path]:
    """Mount an overlay of `template` at home/tree and register it as worktree `home.name`.
    Returns (tree, metadata dir)."""
    upper, work, merged = home / "upper", home / "work", home / "tree"
    error = _mount(template, upper, work, merged)
    if error:
        raise OSError(f"overlay mount of {merged} failed: {error}")
    os.chmod(merged, 0o777)  # the sandbox uid creates files at the top level too
    meta = common_dir / "worktrees" / home.name
    # The entry is written outside `worktrees/` and renamed into place whole: a `git worktree
    # prune` in another process (or thread) deletes any entry it finds half-written, even between
    # a mkdir and the `locked` file that `git worktree add` writes first.
    staging = common_dir / f"scaleagent-staging-{home.name}"
    staging.mkdir()
    (staging / "HEAD").write_text(sha + "\n")
    (staging / "commondir").write_text("../..\n")
    shutil.copyfile(template_gitdir(template) / "index", staging / "index")
    (staging / "gitdir").write_text(f"{merged / '.git'}\n")
    (merged / ".git").write_text(f"gitdir: {meta}\n")  # lands in upper: the template is untouched
    meta.parent.mkdir(exist_ok=True)
    os.rename(staging, meta)
    return merged, meta
