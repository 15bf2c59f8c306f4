"""The `bwrap` backend: bubblewrap namespaces, no daemon. Default on Linux.

What the command sees:
  /usr, /etc and the /bin,/lib* links of the host, read-only; /proc, a minimal /dev; private
  size-capped tmpfs /tmp (HOME=/tmp) and /dev/shm; the workspace, read-write, at /workspace (the cwd);
  the project's interpreter read-only at its host path: sys.executable works, and so does
  /usr/bin/python3 when the host has one. Nothing else of the host (not /root, /home, /run, /var).
No network at all (own net namespace: not even host loopback), own pid namespace (when the
command ends or times out, everything it started dies with it), own ipc/uts namespaces.
The workspace's `.git` is bound read-only over it (the host's git would trust what it says), and
a seccomp filter (x86_64, aarch64) refuses new namespaces (unshare, setns, clone with CLONE_NEW*,
clone3) and mount calls: no nested user namespace in which the command would be uid 0.

Who runs it: as root, bwrap runs privileged without a user namespace and `setpriv` drops the
command to a fresh unprivileged uid per sandbox: RLIMIT_NPROC is not enforced for root and counts
per uid, so a private uid makes the process limit real and per-sandbox. As a normal user, bwrap
uses a user namespace and the command keeps the caller's uid.
"""
from __future__ import annotations

import functools
import itertools
import os
import shutil
import struct
import subprocess
import sys
from pathlib import Path

from ._fs import make_tree_writable, protected_paths
from ._process import prlimit_argv, run_capped
from .base import WORKDIR, ExecResult, Limits, as_argv, build_env

_UID_BASE = 200_000  # far above login uids; nothing on the host owns files with these uids
_uid_counter = itertools.count()
_HOW = "apt-get install bubblewrap, or choose --sandbox docker|local"


def _is_root() -> bool:
    return os.geteuid() == 0


def _system_mounts() -> list[str]:
    args = ["--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc"]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(top):  # merged-/usr hosts: keep the symlink
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    return args


def _python_mounts() -> list[str]:
    """Bind the running interpreter's prefixes so sys.executable works inside (a venv and, e.g.,
    a pyenv base under /root, which is otherwise hidden)."""
    prefixes = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    return _ro_mounts(prefixes | {os.path.realpath(p) for p in prefixes}, set())


def _ro_mounts(paths, seen: set[str]) -> list[str]:
    """Read-only binds of host folders at their own paths (those under /usr are there already)."""
    args: list[str] = []
    for p in sorted(paths):  # sorted: an enclosing dir is bound before anything inside it
        if p == "/usr" or p.startswith("/usr/") or p in seen or not os.path.isdir(p):
            continue
        seen.add(p)
        # Parents bwrap would create mirror host modes (/root is 0700): make them traversable.
        for parent in reversed(Path(p).parents[:-1]):
            if str(parent) not in seen:
                seen.add(str(parent))
                args += ["--perms", "0755", "--dir", str(parent)]
        args += ["--ro-bind", p, p]
    return args


# seccomp: classic BPF over struct seccomp_data {int nr; u32 arch; u64 ip; u64 args[6]}.
_ARCHES = {  # machine: (AUDIT_ARCH_*, clone, unshare, setns, mount, umount2, pivot_root)
    "x86_64": (0xC000003E, 56, 272, 308, 165, 166, 155),
    "aarch64": (0xC00000B7, 220, 97, 268, 40, 39, 41),
}
_NEW_MOUNT_API = (428, 429, 430, 431, 432, 433, 442)  # open_tree .. fspick, mount_setattr (both arches)
_CLONE3 = 435
_CLONE_NEW_FLAGS = 0x7E020080  # CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET|NEWTIME
_LD, _JEQ, _JGE, _JSET, _RET = 0x20, 0x15, 0x35, 0x45, 0x06
_ALLOW, _EPERM, _ENOSYS = 0x7FFF0000, 0x00050000 | 1, 0x00050000 | 38


@functools.cache
def seccomp_program() -> bytes | None:
    """The filter bwrap loads (--seccomp FD), or None on an architecture not listed (then nested
    namespaces stay possible: see README's known limits). clone3 answers ENOSYS, so libc falls
    back to clone, whose flags a classic filter can inspect."""
    arch = _ARCHES.get(os.uname().machine)
    if arch is None:
        return None
    audit, clone, *deny = arch
    deny += list(_NEW_MOUNT_API)
    ins: list[tuple[int, int, int, int]] = [(_LD, 0, 0, 4), (_JEQ, 1, 0, audit), (_RET, 0, 0, _EPERM), (_LD, 0, 0, 0)]
    if audit == 0xC000003E:
        ins.append((_JGE, 0, 1, 0x40000000))  # the x32 ABI: same calls under other numbers
        ins.append((_RET, 0, 0, _EPERM))
    ins += [(_JEQ, 0, 1, _CLONE3), (_RET, 0, 0, _ENOSYS)]
    for nr in deny:
        ins += [(_JEQ, 0, 1, nr), (_RET, 0, 0, _EPERM)]
    ins += [(_JEQ, 0, 3, clone), (_LD, 0, 0, 16), (_JSET, 0, 1, _CLONE_NEW_FLAGS), (_RET, 0, 0, _EPERM)]
    ins.append((_RET, 0, 0, _ALLOW))
    return b"".join(struct.pack("=HBBI", *i) for i in ins)


def _seccomp_fd() -> int | None:
    prog = seccomp_program()
    if prog is None:
        return None
    fd = os.memfd_create("scaleagent-seccomp")  # close-on-exec: only bwrap gets it (pass_fds)
    os.write(fd, prog)
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


@functools.cache
def bwrap_unavailable_reason() -> str | None:
    if sys.platform != "linux":
        return f"bubblewrap needs Linux (this is {sys.platform}): choose --sandbox docker|local"
    if shutil.which("bwrap") is None:
        return f"bubblewrap is not installed: {_HOW}"
    missing = [t for t in ("prlimit", "setpriv") if shutil.which(t) is None]
    if missing:
        return f"{' and '.join(missing)} not found: apt-get install util-linux"
    probe = ["bwrap", "--unshare-net", "--unshare-pid", "--ro-bind", "/", "/", "--", "/bin/true"]
    if not _is_root():
        probe.insert(1, "--unshare-user")
    try:
        proc = subprocess.run(probe, capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bubblewrap does not run here ({exc}): choose --sandbox docker|local"
    if proc.returncode != 0:
        why = (proc.stderr.strip().splitlines() or ["unknown error"])[-1]
        return (f"bubblewrap cannot create namespaces here ({why}): enable unprivileged user "
                "namespaces (sysctl kernel.unprivileged_userns_clone=1) or choose --sandbox docker|local")
    return None


class BwrapSandbox:
    backend = "bwrap"

    def __init__(self, workspace: Path, *, limits: Limits | None = None, uid: int | None = None,
                 tmp_size_mb: int = 512):
        self.workspace = Path(workspace).resolve()
        self.workspace.mkdir(parents=True, exist_ok=True)
        self.limits = limits or Limits()
        self.workdir = WORKDIR
        self.python = sys.executable  # bound read-only, with its site-packages (pytest)
        self.tmp_size_mb = tmp_size_mb
        self.as_root = _is_root()
        # One uid per sandbox object: processes of concurrent sandboxes are counted apart.
        self.uid = uid if uid is not None else _UID_BASE + (os.getpid() % 10_000) * 100 + next(_uid_counter) % 100
        self._system = _system_mounts()
        self._python = _python_mounts()  # after the /tmp tmpfs: a venv under /tmp must stay visible
        self._env: list[str] = []  # a test environment's folders (bind_ro)
        self._closed = False

    def bind_ro(self, paths: list[str]) -> None:
        """Show host folders (a test environment's venv and its base Python, sandboxes.pyenv)
        read-only at their own paths in this sandbox's later commands."""
        seen = {a for a in self._python if a.startswith("/")}
        self._env = _ro_mounts({os.path.realpath(p) for p in paths}, seen)

    def argv(self, command: str | list[str], limits: Limits, cwd: str | None,
             seccomp_fd: int | None = None) -> list[str]:
        inner_cwd = os.path.join(WORKDIR, cwd) if cwd else WORKDIR
        ns = ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try"]
        if not self.as_root:
            ns = ["--unshare-all"]  # includes a user namespace, needed unprivileged
        args = ["bwrap", *ns, "--die-with-parent", "--new-session", "--hostname", "sandbox",
                *self._system,
                "--proc", "/proc", "--dev", "/dev",
                "--perms", "1777", "--size", str(self.tmp_size_mb * 1024 * 1024), "--tmpfs", "/tmp",
                # POSIX semaphores and shared memory (multiprocessing) need a writable /dev/shm
                "--perms", "1777", "--size", str(self.tmp_size_mb * 1024 * 1024), "--tmpfs", "/dev/shm",
                *self._python, *self._env,
                "--bind", str(self.workspace), WORKDIR]
        for p in protected_paths(self.workspace):  # a mount point: cannot be written, renamed or removed
            args += ["--ro-bind", str(p), os.path.join(WORKDIR, p.name)]
        if seccomp_fd is not None:
            args += ["--seccomp", str(seccomp_fd)]
        args += ["--chdir", inner_cwd, "--"]
        if self.as_root:
            args += ["setpriv", f"--reuid={self.uid}", f"--regid={self.uid}", "--clear-groups",
                     "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"]
        return args + prlimit_argv(limits) + as_argv(command)

    def run(self, command, *, timeout: float = 60, env=None, limits: Limits | None = None,
            stdin: str | None = None, cwd: str | None = None) -> ExecResult:
        if self._closed:
            raise RuntimeError("sandbox is closed")
        lim = limits or self.limits
        if self.as_root:
            make_tree_writable(self.workspace)
        fd = _seccomp_fd()
        try:
            return run_capped(self.argv(command, lim, cwd, fd), env=build_env(env), cwd=None,
                              timeout=timeout, limits=lim, stdin=stdin, pass_fds=() if fd is None else (fd,))
        finally:
            if fd is not None:
                os.close(fd)

    def close(self) -> None:
        self._closed = True  # each command's namespaces die with it: nothing else to free

    def __enter__(self) -> "BwrapSandbox":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
