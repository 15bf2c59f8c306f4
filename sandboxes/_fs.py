"""Filesystem helpers shared by the backends and workspaces."""
from __future__ import annotations

import os
import stat
from pathlib import Path

# A worktree's `.git` (file or directory) at the workspace's top: the host's git would trust what
# it says, so it is never made writable and the backends mount it read-only (protected_paths).
GIT_ENTRY = ".git"


def make_tree_writable(root: Path) -> None:
    """Let the sandbox uid write every file of the workspace (but its top-level `.git`). Run before
    each command because the host (patches) and earlier sandboxes (other uids) may have added files."""
    for dirpath, dirnames, filenames in os.walk(root):
        if dirpath == str(root):
            dirnames[:] = [d for d in dirnames if d != GIT_ENTRY]
            filenames = [f for f in filenames if f != GIT_ENTRY]
        _add_write(dirpath, dir_=True)
        for name in filenames:
            _add_write(os.path.join(dirpath, name), dir_=False)


def protected_paths(root: Path) -> list[Path]:
    """What a backend must bind read-only over the workspace: its `.git`, when it is a real file or
    directory (never a link: binding follows it)."""
    entry = Path(root) / GIT_ENTRY
    try:
        mode = os.lstat(entry).st_mode
    except OSError:
        return []
    return [entry] if stat.S_ISREG(mode) or stat.S_ISDIR(mode) else []


def _add_write(path: str, *, dir_: bool) -> None:
    try:
        st = os.lstat(path)
    except OSError:
        return
    if os.path.islink(path):
        return  # never follow a symlink the sandbox may have planted
    want = st.st_mode | 0o666 | (0o111 if dir_ else 0)
    if want != st.st_mode:
        os.chmod(path, want & 0o7777)
