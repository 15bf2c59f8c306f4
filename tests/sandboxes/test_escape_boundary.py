"""Escape suite, part two: the boundary around the sandbox (see test_escape.py for part one).

Network attacks only ever target listeners this test starts on the host's loopback or as
abstract unix sockets, and each is first proven reachable from the host, so a failure to reach it
from the sandbox means containment, not a dead target. Engine sockets are checked one path each.
The git attack is the one from issue 10: rewrite the workspace's `.git` to a gitdir the sandbox
planted (fsmonitor and a hook that touch a host marker), then let the host diff, patch, remove.
"""
from __future__ import annotations

import os
import secrets
import socket
import threading

import pytest
from sbx_helpers import FIX_ADD_PATCH, ISOLATING_BACKENDS, TIGHT, backend_params, make_calc_repo, report, require_backend

from sandboxes import open_sandbox
from sandboxes.workspace import PatchError, WorkspaceManager

pytestmark = [pytest.mark.escape, pytest.mark.parametrize("backend", backend_params(ISOLATING_BACKENDS))]
PY = "python3 -c"


@pytest.fixture
def sb(make_sandbox, backend):
    return make_sandbox(backend, limits=TIGHT, tmp_size_mb=64)


class Listener:
    """A server that counts the connections it accepts, in a thread; `family` AF_INET or AF_UNIX."""

    def __init__(self, family: int, address):
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.bind(address)
        self.sock.listen()
        self.sock.settimeout(0.2)
        self.accepted = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.accepted += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


def _host_reaches(family: int, address) -> bool:
    with socket.socket(family, socket.SOCK_STREAM) as c:
        c.settimeout(2)
        c.connect(address)
        return True


def _attempt(sb, backend: str, attack: str, family: int, address, connect_code: str) -> None:
    server = Listener(family, address)
    try:
        assert _host_reaches(family, address)
        for _ in range(20):  # the accept thread counts the host's own connection
            if server.accepted:
                break
            threading.Event().wait(0.05)
        host_hits = server.accepted
        r = sb.run(f"{PY} \"{connect_code}\"", timeout=15)
        threading.Event().wait(0.3)
        sandbox_hits = server.accepted - host_hits
    finally:
        server.close()
    last = (r.stderr.strip().splitlines() or [""])[-1][:120]
    report(backend, attack, host_hits != 1 or sandbox_hits > 0 or "CONNECTED" in r.stdout,
           f"host connected: {host_hits == 1}; sandbox: {last}")


def test_network_host_loopback_tcp(sb, backend):
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    code = f"import socket; socket.create_connection(('127.0.0.1', {port}), timeout=3); print('CONNECTED')"
    _attempt(sb, backend, "reach a host loopback TCP listener", socket.AF_INET, ("127.0.0.1", port), code)


def test_network_abstract_unix_socket(sb, backend):
    name = f"scaleagent-escape-{secrets.token_hex(6)}"
    code = (f"import socket; s = socket.socket(socket.AF_UNIX); s.settimeout(3); "
            f"s.connect(chr(0) + '{name}'); print('CONNECTED')")
    _attempt(sb, backend, "reach a host abstract unix socket", socket.AF_UNIX, "\0" + name, code)


def test_network_no_interface_off_the_machine(sb, backend):
    """Instead of dialing out (never done here): the sandbox has no interface but loopback."""
    r = sb.run(f"{PY} \"import socket; print(sorted(n for _, n in socket.if_nameindex()))\"")
    names = r.stdout.strip()
    report(backend, "find a network interface off the machine", names not in ("['lo']", "[]"),
           f"interfaces: {names or r.stderr.strip()[-120:]}")


def _engine_sockets() -> list[str]:
    paths = ["/var/run/docker.sock", "/run/docker.sock", "/run/podman/podman.sock",
             os.path.join(os.environ.get("SCALEAGENT_DOCKER_DIR", "/var/lib/scaleagent-docker"), "docker.sock")]
    host = os.environ.get("DOCKER_HOST", "")
    if host.startswith("unix://"):
        paths.append(host.removeprefix("unix://"))
    return list(dict.fromkeys(paths))


@pytest.mark.parametrize("path", _engine_sockets())
def test_engine_socket_not_visible(sb, backend, path):
    """One path per test: a missing socket in one place must not hide an exposed one elsewhere."""
    code = ("import os, socket, sys; p = sys.argv[1]; print('EXISTS' if os.path.lexists(p) else 'ABSENT'); "
            "s = socket.socket(socket.AF_UNIX); s.settimeout(3); s.connect(p); print('CONNECTED')")
    r = sb.run([sb.python, "-c", code, path])
    seen = "EXISTS" in r.stdout or "CONNECTED" in r.stdout
    report(backend, f"engine socket {path}", seen,
           f"on the host: {'present' if os.path.exists(path) else 'absent'}; in the sandbox: {r.stdout.split()[:1]}")


def test_privileges_proc_sysctl_mount(sb, backend):
    # core_pattern (a pipe to a program the host kernel runs as root) is rewritten with its own
    # value: the host is left as it was even if the write went through; the write itself counts.
    r = sb.run("cp=/proc/sys/kernel/core_pattern; cat $cp > /tmp/cp && cat /tmp/cp > $cp && echo SYSCTL; "
               "mount -t tmpfs x /mnt 2>/dev/null && echo MOUNTED; "
               "id -u")
    uid = (r.stdout.strip().splitlines() or ["?"])[-1]
    report(backend, "write a sysctl (kernel.core_pattern)", "SYSCTL" in r.stdout, "write refused")
    report(backend, "mount a filesystem", "MOUNTED" in r.stdout, "mount refused")
    report(backend, "run as uid 0", uid == "0", f"runs as uid {uid}")


def test_nested_user_namespace(sb, backend):
    """`unshare -Ur` would make the command uid 0 in a user namespace of its own (with mount
    rights there): refused (bwrap: seccomp filter; docker: the engine's default profile)."""
    r = sb.run("unshare -Ur id -u; unshare -Urm sh -c 'mount -t tmpfs x /tmp && echo MOUNTED'; true")
    got_root = r.stdout.strip().splitlines()[:1] == ["0"] or "MOUNTED" in r.stdout
    report(backend, "nested user namespace (unshare -Ur)", got_root,
           (r.stderr.strip().splitlines() or [r.stdout.strip()])[0][:120])


@pytest.fixture
def git_workspace(tmp_path, backend):
    require_backend(backend)
    manager = WorkspaceManager(make_calc_repo(tmp_path / "repo"), root=tmp_path / "pool")
    ws = manager.create()
    yield ws
    ws.close()


def test_rewrite_dotgit_to_a_planted_gitdir(git_workspace, backend, tmp_path):
    """The workspace's top directory is host-owned (git's ownership check passes for it), so the
    attack makes it the gitdir: config, HEAD and a hook there, and `.git` (host-owned too) says
    `gitdir: .`. Then the host diffs, patches and removes the workspace as usual."""
    ws = git_workspace
    marker = tmp_path / "MARKER"
    dotgit_before = (ws.path / ".git").read_text()
    plant = f"""
        mkdir -p hooks objects refs/heads && echo 'ref: refs/heads/main' > HEAD
        printf '[core]\\n\\trepositoryformatversion = 0\\n\\tbare = false\\n\\tfsmonitor = touch {marker}.fsmonitor\\n' > config
        printf '#!/bin/sh\\ntouch {marker}.hook\\n' > hooks/post-index-change && chmod 755 hooks/post-index-change
        echo 'gitdir: .' > .git && echo WROTE; true"""
    replace = "rm -f .git && echo 'gitdir: .' > .git && echo REPLACED; mv .git moved && echo MOVED; true"
    with open_sandbox(backend, ws.path, limits=TIGHT) as sb:
        r = sb.run(plant, timeout=30)
        errors = []
        for call in (ws.diff, lambda: ws.apply_patch(FIX_ADD_PATCH), ws.diff):
            try:
                call()
            except PatchError:
                pass
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(type(exc).__name__)
        r2 = sb.run(replace, timeout=30)
    rewritten = not (ws.path / ".git").is_file() or (ws.path / ".git").read_text() != dotgit_before
    ws.close()
    fired = sorted(p.name for p in tmp_path.glob("MARKER.*"))
    report(backend, "host git runs a planted fsmonitor/hook", bool(fired), f"markers: {fired}; host git errors: {errors}")
    said = r.stdout.split() + r2.stdout.split()
    report(backend, "rewrite, replace or move the workspace's .git", rewritten,
           f"sandbox said {said or 'nothing'}; {(r.stderr.strip().splitlines() or [''])[-1][:100]}")
    assert errors == []
