"""Filesystem helpers shared by the backends and workspaces."""
from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path, PurePosixPath

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


def rmtree(path: Path) -> None:
    def unlock(func, p, _exc):  # a sandbox may leave read-only dirs; root can chmod them back
        try:
            for q in (os.path.dirname(p), p):
                if not os.path.islink(q):  # chmod follows links: never through one the sandbox planted
                    os.chmod(q, 0o700)
            func(p)
        except OSError:
            pass

    shutil.rmtree(path, onerror=unlock)


def nested_repos(root: Path) -> list[str]:
    """Directories below `root` that hold a `.git` entry (of any type), relative to `root`."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        if dirpath != str(root) and (".git" in dirnames or ".git" in filenames):
            found.append(os.path.relpath(dirpath, root))
            dirnames[:] = []
        else:
            dirnames[:] = [d for d in dirnames if d != ".git"]
    return found


def private_dir(path: Path) -> None:
    """Create `path` (0700) or check an existing one: a real directory of ours that no one else can
    write (else another user could swap in links under a root process), then make it 0700."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    st = os.lstat(path)
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.geteuid():
        raise OSError(f"workspace root {path} is not a directory owned by uid {os.geteuid()}: choose another root")
    if stat.S_IMODE(st.st_mode) != 0o700:
        os.chmod(path, 0o700)


def write_no_follow(root: Path, rel: str, data: bytes) -> Path:
    """Write `root/rel` (creating directories) without following any link on the way: a patch can
    create symlinks (`new file mode 120000`) that point anywhere on the host. Raises ValueError."""
    parts = PurePosixPath(rel).parts
    if not parts or PurePosixPath(rel).is_absolute() or ".." in parts or "\0" in rel:
        raise ValueError(f"refusing to write {rel!r}: not a plain path inside the workspace")
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for part in parts[:-1]:
            try:
                os.mkdir(part, 0o755, dir_fd=fd)
            except FileExistsError:
                pass
            try:
                nxt = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
            except OSError:
                raise ValueError(f"refusing to write {rel!r}: {part!r} is a link or not a directory") from None
            os.close(fd)
            fd = nxt
        try:
            out = os.open(parts[-1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644, dir_fd=fd)
        except OSError as exc:
            raise ValueError(f"refusing to write {rel!r}: {exc.strerror}") from None
        with os.fdopen(out, "wb") as f:
            f.write(data)
    finally:
        os.close(fd)
    return Path(root, *parts)
