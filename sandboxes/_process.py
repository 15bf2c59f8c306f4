"""Run one host process with a wall timeout, capped output and a kill of its whole process group.

Shared by the bwrap and local backends. Output is read by one thread per stream so a child that
fills one pipe while we wait on the other cannot deadlock us; bytes past the cap are read and
dropped (never stored), so `print` of 1 GB costs only the time to drain it.
"""
from __future__ import annotations

import os
import signal
import subprocess
import threading
import time

from .base import TRUNCATION_MARKER, ExecResult, Limits

_CHUNK = 1 << 16
# After the main process exits, how long stragglers may keep the pipes open before we kill them.
_DRAIN_GRACE_S = 0.5
_OOM_HINTS = ("MemoryError", "Cannot allocate memory", "std::bad_alloc", "out of memory")


class CappedReader(threading.Thread):
    """Drains one pipe, keeping at most `cap` bytes."""

    def __init__(self, pipe, cap: int):
        super().__init__(daemon=True)
        self.pipe, self.cap = pipe, cap
        self.chunks: list[bytes] = []
        self.kept = 0
        self.dropped = 0

    def run(self) -> None:
        fd = self.pipe.fileno()
        try:
            while True:
                data = os.read(fd, _CHUNK)
                if not data:
                    break
                room = self.cap - self.kept
                if room > 0:
                    self.chunks.append(data[:room])
                    self.kept += min(room, len(data))
                self.dropped += max(0, len(data) - max(room, 0))
        except OSError:
            pass

    def text(self) -> str:
        out = b"".join(self.chunks).decode("utf-8", errors="replace")
        if self.dropped:
            out += TRUNCATION_MARKER.format(dropped=self.dropped)
        return out


def prlimit_argv(limits: Limits) -> list[str]:
    """util-linux prlimit sets the rlimits on itself and execs the command (thread-safe, unlike
    subprocess preexec_fn). RLIMIT_NPROC counts every process of the *uid*, and is ignored for root."""
    mb = 1024 * 1024
    return [
        "prlimit",
        f"--as={limits.memory_mb * mb}",
        f"--cpu={limits.cpu_seconds}",
        f"--fsize={limits.file_size_mb * mb}",
        f"--nofile={limits.open_files}",
        f"--nproc={limits.processes}",
        "--",
    ]


def _write_stdin(pipe, data: bytes) -> None:
    try:
        pipe.write(data)
    except (BrokenPipeError, OSError):
        pass  # the child need not read all of its input
    finally:
        try:
            pipe.close()
        except OSError:
            pass


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def run_capped(
    argv: list[str],
    *,
    env: dict[str, str],
    cwd: str | None,
    timeout: float,
    limits: Limits,
    stdin: str | None,
    pass_fds: tuple[int, ...] = (),
) -> ExecResult:
    start = time.monotonic()
    proc = subprocess.Popen(
        argv,
        env=env,
        cwd=cwd,
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        process_group=0,  # own group: a timeout kills the whole tree, not just the shell
        close_fds=True,
        pass_fds=pass_fds,
    )
    readers = [CappedReader(proc.stdout, limits.output_bytes), CappedReader(proc.stderr, limits.output_bytes)]
    for r in readers:
        r.start()
    if stdin is not None:
        threading.Thread(target=_write_stdin, args=(proc.stdin, stdin.encode()), daemon=True).start()
    timed_out = False
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        _kill_group(proc.pid)
        proc.wait()
    # Background children may still hold the pipes: give them a moment, then kill the group.
    deadline = time.monotonic() + _DRAIN_GRACE_S
    for r in readers:
        r.join(max(0.0, deadline - time.monotonic()))
    if any(r.is_alive() for r in readers):
        _kill_group(proc.pid)
        for r in readers:
            r.join(2.0)
    for pipe in (proc.stdout, proc.stderr):
        pipe.close()
    out, err = readers[0].text(), readers[1].text()
    code = proc.returncode
    if code < 0 and not timed_out:
        code = 128 - code  # died of a signal: report it as a shell would (as bwrap and docker do)
    return ExecResult(
        exit_code=code,
        stdout=out,
        stderr=err,
        duration_s=time.monotonic() - start,
        timed_out=timed_out,
        oom=any(h in err for h in _OOM_HINTS),
        truncated=any(r.dropped for r in readers),
    )
