"""Escape suite: each test is one attack a candidate program might make. The attack must be
contained, the host unharmed, and the ExecResult must say what happened. Every attack is logged
to ESCAPE_LOG; the session prints `escape suite: N attacks, M escapes`. Network, engine sockets,
namespaces and the host's git on a workspace are in test_escape_boundary.py. No test sends a
packet off this machine."""
from __future__ import annotations

import os
import resource
import secrets
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sbx_helpers import ISOLATING_BACKENDS, TIGHT, backend_params, report

from sandboxes import TRUNCATION_PREFIX

pytestmark = [pytest.mark.escape, pytest.mark.parametrize("backend", backend_params(ISOLATING_BACKENDS))]


@pytest.fixture
def sb(make_sandbox, backend):
    return make_sandbox(backend, limits=TIGHT, tmp_size_mb=64)


def test_write_outside_workspace(sb, backend, workspace):
    marker = f"pwned-{secrets.token_hex(4)}"
    r = sb.run(f"for p in ../{marker} /{marker} /etc/{marker} /usr/{marker} /tmp/../{marker}; do "
               f"echo x > $p && echo wrote $p; done; true")
    host_hits = [p for p in (workspace.parent / marker, Path("/") / marker, Path("/etc") / marker,
                             Path("/usr") / marker) if p.exists()]
    for p in host_hits:
        p.unlink()
    report(backend, "write outside workspace", bool(host_hits), f"host files: {host_hits}; sandbox said: {r.stdout.strip() or r.stderr.strip()[:120]}")


def test_read_host_home_secret(sb, backend):
    home = Path("/root") if os.geteuid() == 0 else Path.home()
    secret = f"secret-{secrets.token_hex(8)}"
    path = home / f".scaleagent-escape-{secret[-6:]}"
    path.write_text(secret)
    try:
        r = sb.run(f"cat {path}; ls -la {home}; cat /etc/shadow; true")
    finally:
        path.unlink()
    report(backend, f"read host secret in {home}", secret in r.stdout + r.stderr, r.stderr.strip()[:120])


def test_read_api_keys_from_env(sb, backend, monkeypatch):
    key = f"sk-test-{secrets.token_hex(12)}"
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY"):
        monkeypatch.setenv(name, key)
    r = sb.run("env; cat /proc/1/environ /proc/self/environ 2>/dev/null | tr '\\0' '\\n'; true")
    report(backend, "read API keys from env", key in r.stdout + r.stderr, "env shows only the minimal base env")


def test_fork_bomb(sb, backend):
    t = time.monotonic()
    r = sb.run("bomb() { bomb | bomb & }; bomb; sleep 2", timeout=8)
    elapsed = time.monotonic() - t
    host_fork_ok = subprocess.run(["true"]).returncode == 0
    report(backend, "fork bomb", elapsed > 15 or not host_fork_ok,
           f"returned in {elapsed:.1f}s, exit {r.exit_code}, host can still fork")


def test_memory_bomb(sb, backend):
    r = sb.run("python3 -c 'x = [bytearray(2**26) for _ in range(200)]'", timeout=20)  # 12.8 GB
    report(backend, "memory bomb", r.ok, f"exit {r.exit_code}, oom={r.oom}")
    assert r.oom


def test_fill_disk_one_file(sb, backend, workspace):
    r = sb.run("dd if=/dev/zero of=big bs=1M count=2000", timeout=20)
    size = (workspace / "big").stat().st_size if (workspace / "big").exists() else 0
    # stopped by the file-size limit: SIGXFSZ (exit 128+25), or EFBIG where the signal is ignored
    by_fsize = r.exit_code == 128 + signal.SIGXFSZ or "File too large" in r.stderr
    report(backend, "fill disk with one file", size > TIGHT.file_size_mb * 2**20 or not by_fsize,
           f"file stopped at {size >> 20} MB (limit {TIGHT.file_size_mb} MB), exit {r.exit_code}, "
           f"file-size limit hit: {by_fsize}")


def test_fill_tmp(sb, backend):
    # measure only what the attack wrote: the project's interpreter may be bound read-only under /tmp
    r = sb.run("mkdir -p /tmp/fill; i=0; while [ $i -lt 100 ]; do dd if=/dev/zero of=/tmp/fill/f$i bs=1M count=16 "
               "2>/dev/null || break; i=$((i+1)); done; du -sm /tmp/fill", timeout=20)
    used_mb = int(r.stdout.split()[0]) if r.stdout.strip() else 0
    report(backend, "fill private /tmp", used_mb > 64, f"/tmp capped at {used_mb} MB of 64 MB tmpfs")


def test_fill_dev_shm(sb, backend):
    """/dev/shm is writable (semaphores, shared memory) but, like /tmp, a capped tmpfs: memory."""
    r = sb.run("mkdir -p /dev/shm/fill; i=0; while [ $i -lt 40 ]; do dd if=/dev/zero of=/dev/shm/fill/f$i bs=1M "
               "count=16 2>/dev/null || break; i=$((i+1)); done; du -sm /dev/shm/fill", timeout=20)
    used_mb = int(r.stdout.split()[0]) if r.stdout.strip() else 0
    report(backend, "fill /dev/shm", used_mb > 64 or not r.stdout.strip(), f"/dev/shm capped at {used_mb} MB")


def test_fill_disk_many_files_bounded_by_timeout(sb, backend, workspace):
    free_before = shutil.disk_usage(workspace).free
    r = sb.run("i=0; while :; do head -c 16000000 /dev/zero > f$i || break; i=$((i+1)); done", timeout=1.5)
    written = sum(p.stat().st_size for p in workspace.iterdir())
    # No disk quota on the workspace: the wall timeout is what stops this (see README's known limits).
    # Had the disk filled first, the loop would have ended by itself: that is not containment.
    report(backend, "fill disk with many files (timeout-bounded)",
           not r.timed_out or shutil.disk_usage(workspace).free < free_before * 0.5,
           f"wrote {written >> 20} MB in {r.duration_s:.1f}s, stopped by the timeout: {r.timed_out} (no quota)")


def test_print_one_gigabyte(sb, backend):
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    r = sb.run("head -c 1000000000 /dev/zero", timeout=60)
    grew_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
    report(backend, "print 1 GB", grew_mb > 100 or len(r.stdout) > 200_000,
           f"kept {len(r.stdout)} chars, truncated={r.truncated}, host RSS +{grew_mb:.0f} MB, {r.duration_s:.1f}s")
    assert r.truncated and TRUNCATION_PREFIX in r.stdout


def test_infinite_loop(sb, backend):
    r = sb.run("while :; do :; done", timeout=1.5)
    report(backend, "infinite loop", not r.timed_out or r.duration_s > 10, f"timed_out={r.timed_out} after {r.duration_s:.1f}s")


def test_cpu_time_limit(sb, backend):
    r = sb.run("python3 -c 'while True: pass'", timeout=20, limits=TIGHT.model_copy(update={"cpu_seconds": 1}))
    # RLIMIT_CPU: SIGXCPU at the soft limit (exit 128+24), SIGKILL at the hard one (128+9)
    by_cpu = not r.timed_out and not r.oom and r.exit_code in (128 + signal.SIGXCPU, 128 + signal.SIGKILL)
    report(backend, "burn cpu past cpu_seconds", not by_cpu, f"killed after {r.duration_s:.1f}s, exit {r.exit_code}")


def test_kill_parent_and_everything(sb, backend):
    sentinel = subprocess.Popen(["sleep", "30"])
    try:
        r = sb.run("kill -9 $PPID; kill -9 1; kill -9 -1; echo survived", timeout=10)
        alive = sentinel.poll() is None
    finally:
        sentinel.kill()
        sentinel.wait()
    report(backend, "kill parent / kill -1", not alive, f"host sentinel alive={alive}, exit {r.exit_code}")


def test_background_process_outlives_run(sb, backend):
    tag = str(3000 + secrets.randbelow(1000))
    sb.run(f"(setsid nohup sleep {tag} >/dev/null 2>&1 &) ; echo started", timeout=10)
    time.sleep(0.5)
    left = subprocess.run(["pgrep", "-f", f"sleep {tag}"], capture_output=True, text=True).stdout.split()
    for pid in left:
        os.kill(int(pid), 9)
    report(backend, "daemon outlives the run", bool(left), f"leftover pids: {left}")


def test_symlink_out_of_workspace(sb, backend, workspace):
    target = workspace.parent / f"host-file-{secrets.token_hex(4)}"
    target.write_text("host data")
    target.chmod(0o600)
    (workspace / "innocent").symlink_to(target)  # planted as if by an earlier step
    r1 = sb.run(f"ln -s {target} link; echo pwn > link; echo pwn > innocent; cat innocent; true")
    r2 = sb.run("true")  # the next run makes the tree writable: it must not follow the link
    escaped = target.read_text() != "host data" or "host data" in r1.stdout or (target.stat().st_mode & 0o777) != 0o600
    report(backend, "symlink out of workspace", escaped, f"host file intact, mode {oct(target.stat().st_mode & 0o777)}; {r2.exit_code}")


def test_write_readonly_interpreter(sb, backend):
    victim = os.path.join(sys.prefix, f"pwned-{secrets.token_hex(3)}")
    sb.run(f"touch {victim} /usr/lib/pwned; true")
    escaped = os.path.exists(victim) or os.path.exists("/usr/lib/pwned")
    report(backend, "write into interpreter / system dirs", escaped, "read-only or not mounted")
