"""Filesystem helpers shared by the backends and workspaces."""
from __future__ import annotations

import os
from pathlib import Path


def make_tree_writable(root: Path) -> None:
    """Let the sandbox uid write every file of the workspace. Run before each command because
    the host (patches) and earlier sandboxes (other uids) may have added files since."""
    for dirpath, dirnames, filenames in os.walk(root):
        _add_write(dirpath, dir_=True)
        for name in filenames:
            _add_write(os.path.join(dirpath, name), dir_=False)


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
