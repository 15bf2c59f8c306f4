"""The `docker` backend: one short-lived container per command, through the docker SDK.

Works against a Docker daemon or a Podman socket (`podman system service`); the client comes
from DOCKER_HOST (docker.from_env) unless `base_url` is given. The daemon must see the host
filesystem (a local engine): the workspace is bind-mounted at /workspace.

Each command gets a fresh container: `--network none`, read-only root, private tmpfs /tmp,
memory (no swap) and pids limits, nofile/fsize/cpu ulimits, all capabilities dropped,
no-new-privileges, uid 65534, the workspace's `.git` bound read-only over it (the host's git
would trust it); the engine's default seccomp profile refuses new user namespaces. A container
per command makes a timeout a plain `kill` of the whole tree and makes OOM detection exact
(State.OOMKilled). Images cannot be pulled here: build one with scripts/docker_setup.sh
(default image below, override with SCALEAGENT_SANDBOX_IMAGE). A repository's test environment
runs in its own image made from that one (sandboxes/pyenv/image.py, `use_image`).
"""
from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

from .base import TRUNCATION_MARKER, WORKDIR, ExecResult, Limits, SandboxError, SandboxUnavailable, as_argv, build_env
from ._fs import make_tree_writable, protected_paths

DEFAULT_IMAGE = "scaleagent-sandbox:py311"
_HOW = "run `bash scripts/docker_setup.sh` and export the DOCKER_HOST it prints, or choose --sandbox bwrap|local"
_STDIN_DIR = "/run/sandbox"


def sandbox_image() -> str:
    return os.environ.get("SCALEAGENT_SANDBOX_IMAGE", DEFAULT_IMAGE)


def _setup_script_socket() -> str | None:
    """The socket scripts/docker_setup.sh starts dockerd on, used when DOCKER_HOST is unset and
    the system socket is absent (so tests and CLI find it without an exported variable)."""
    sock = Path(os.environ.get("SCALEAGENT_DOCKER_DIR", "/var/lib/scaleagent-docker")) / "docker.sock"
    if "DOCKER_HOST" not in os.environ and not Path("/var/run/docker.sock").exists() and sock.exists():
        return f"unix://{sock}"
    return None


def _client(base_url: str | None = None, timeout: int = 30):
    import docker  # optional dependency: imported only when this backend is used

    base_url = base_url or _setup_script_socket()
    if base_url:
        return docker.DockerClient(base_url=base_url, timeout=timeout)
    return docker.from_env(timeout=timeout)


def docker_unavailable_reason(base_url: str | None = None, image: str | None = None) -> str | None:
    try:
        import docker  # noqa: F401
    except ImportError:
        return "the docker SDK is not installed: pip install 'scaleagent[docker]', or choose --sandbox bwrap|local"
    try:
        client = _client(base_url, timeout=5)
        client.ping()
    except Exception as exc:  # noqa: BLE001 - any failure here means "no engine"
        where = base_url or os.environ.get("DOCKER_HOST", "the default socket")
        return f"no Docker/Podman engine answers at {where} ({type(exc).__name__}): {_HOW}"
    image = image or sandbox_image()
    try:
        client.images.get(image)
    except Exception:  # noqa: BLE001
        return f"sandbox image {image} not found: {_HOW}"
    finally:
        client.close()
    return None


class _StreamCollector(threading.Thread):
    """Reads the demuxed attach stream, keeping at most `cap` bytes per stream."""

    def __init__(self, stream, cap: int):
        super().__init__(daemon=True)
        self.stream, self.cap = stream, cap
        self.kept = {0: [], 1: []}
        self.sizes = [0, 0]
        self.dropped = [0, 0]

    def run(self) -> None:
        try:
            for frames in self.stream:
                for i, data in enumerate(frames):
                    if not data:
                        continue
                    room = self.cap - self.sizes[i]
                    if room > 0:
                        self.kept[i].append(data[:room])
                        self.sizes[i] += min(room, len(data))
                    self.dropped[i] += max(0, len(data) - max(room, 0))
        except Exception:  # noqa: BLE001 - the stream ends with the container, possibly abruptly
            pass

    def text(self, i: int) -> str:
        out = b"".join(self.kept[i]).decode("utf-8", errors="replace")
        if self.dropped[i]:
            out += TRUNCATION_MARKER.format(dropped=self.dropped[i])
        return out


class DockerSandbox:
    backend = "docker"

    def __init__(self, workspace: Path, *, limits: Limits | None = None, image: str | None = None,
                 base_url: str | None = None, user: str = "65534:65534", tmp_size_mb: int = 512):
        self.workspace = Path(workspace).resolve()
        self.workspace.mkdir(parents=True, exist_ok=True)
        self.limits = limits or Limits()
        self.image = self.base_image = image or sandbox_image()
        self.user = user
        self.tmp_size_mb = tmp_size_mb
        self.workdir = WORKDIR
        self.python = "python3"  # the image ships python3-pytest
        try:
            self.client = _client(base_url)
            self.client.ping()
        except Exception as exc:  # noqa: BLE001
            raise SandboxUnavailable(f"no Docker/Podman engine answers ({type(exc).__name__}): {_HOW}") from exc
        self._stdin_dir = Path(tempfile.mkdtemp(prefix="sandbox-stdin-"))
        os.chmod(self._stdin_dir, 0o755)

    def use_image(self, image: str) -> None:
        """Run later commands in `image` (a test environment's, built from `base_image`: sandboxes.pyenv.image)."""
        self.image = image

    def _create(self, argv: list[str], env: dict[str, str], lim: Limits, cwd: str):
        from docker.types import LogConfig, Ulimit

        mb = 1024 * 1024
        return self.client.containers.create(
            self.image, command=argv, user=self.user, working_dir=cwd, environment=env,
            network_mode="none", mem_limit=lim.memory_mb * mb, memswap_limit=lim.memory_mb * mb,
            pids_limit=lim.processes, read_only=True, cap_drop=["ALL"],
            security_opt=["no-new-privileges"],
            init=True,  # a real pid 1 (docker-init/tini, podman catatonit): the command gets default
                        # signal handling (pid 1 ignores SIGTERM) and zombies are reaped
            ulimits=[Ulimit(name="nofile", soft=lim.open_files, hard=lim.open_files),
                     Ulimit(name="fsize", soft=lim.file_size_mb * mb, hard=lim.file_size_mb * mb),
                     Ulimit(name="cpu", soft=lim.cpu_seconds, hard=lim.cpu_seconds)],
            tmpfs={"/tmp": f"size={self.tmp_size_mb}m"},
            volumes={str(self.workspace): {"bind": WORKDIR, "mode": "rw"},
                     str(self._stdin_dir): {"bind": _STDIN_DIR, "mode": "ro"},
                     **{str(p): {"bind": f"{WORKDIR}/{p.name}", "mode": "ro"}
                        for p in protected_paths(self.workspace)}},
            log_config=LogConfig(type="none"),  # output comes via attach; never pile 1 GB on disk
            labels={"scaleagent.sandbox": "1"}, detach=True,
        )

    def run(self, command, *, timeout: float = 60, env=None, limits: Limits | None = None,
            stdin: str | None = None, cwd: str | None = None) -> ExecResult:
        lim = limits or self.limits
        argv = as_argv(command)
        if stdin is not None:
            (self._stdin_dir / "stdin").write_text(stdin)
            os.chmod(self._stdin_dir / "stdin", 0o644)
            argv = ["/bin/sh", "-c", f'exec "$@" < {_STDIN_DIR}/stdin', "sh", *argv]
        make_tree_writable(self.workspace)  # the container runs as uid 65534
        start = time.monotonic()
        try:
            container = self._create(argv, build_env(env), lim, os.path.join(WORKDIR, cwd) if cwd else WORKDIR)
        except Exception as exc:  # noqa: BLE001
            raise SandboxError(f"docker could not create the container: {exc}") from exc
        timed_out = False
        try:
            stream = self.client.api.attach(container.id, stdout=True, stderr=True, stream=True, demux=True)
            collector = _StreamCollector(stream, lim.output_bytes)
            collector.start()
            container.start()
            try:
                status = container.wait(timeout=timeout)
                exit_code = status.get("StatusCode", -1)
            except Exception:  # noqa: BLE001 - requests raises ReadTimeout/ConnectionError on timeout
                timed_out = True
                try:
                    container.kill()
                except Exception:  # noqa: BLE001 - it may have just exited
                    pass
                exit_code = container.wait(timeout=30).get("StatusCode", -9)
                exit_code = -9 if exit_code in (137, -1) else exit_code
            collector.join(10)
            state = self.client.api.inspect_container(container.id)["State"]
            oom = bool(state.get("OOMKilled"))
        finally:
            try:
                container.remove(force=True)
            except Exception:  # noqa: BLE001
                pass
        return ExecResult(exit_code=exit_code, stdout=collector.text(0), stderr=collector.text(1),
                          duration_s=time.monotonic() - start, timed_out=timed_out, oom=oom,
                          truncated=any(collector.dropped))

    def close(self) -> None:
        shutil.rmtree(self._stdin_dir, ignore_errors=True)
        try:
            self.client.close()
        except Exception:  # noqa: BLE001
            pass

    def __enter__(self) -> "DockerSandbox":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
