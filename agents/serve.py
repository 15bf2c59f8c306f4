"""Start, check and stop a vLLM OpenAI-compatible server (`scaleagent serve`, `--serve`).

`vllm serve MODEL --host 127.0.0.1 --port P --enable-prefix-caching ...` runs as a child process in
its own session with its output in a log file; the server is ready when `GET /health` answers 200
and `GET /v1/models` lists the model. A state file `STATE_DIR/serve-P.json` (pid, port, model, log)
lets `scaleagent serve --stop` stop it from another shell (SIGTERM to its group, then SIGKILL). Every
failure is one `ServeError` line: no vLLM, no GPU visible, the port taken, the model not loading.

The executable is `$SCALEAGENT_VLLM` if set (tests point it at a stand-in), else `vllm` next to this
interpreter or on PATH. `$SCALEAGENT_SKIP_GPU_CHECK=1` skips the GPU check (the stand-in needs none).
"""
from __future__ import annotations

import contextlib
import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from agents.errors import ConfigError
from agents.interrupts import raise_soon

PREFIX = "hosted_vllm/"
STOP_GRACE_S = 30.0


class ServeError(ConfigError):  # a server that cannot be started, checked or stopped (one line, exit 2)
    pass


def state_dir() -> Path:  # `$SCALEAGENT_HOME/serve`, else `~/.cache/scaleagent/serve`
    home = os.environ.get("SCALEAGENT_HOME")
    return (Path(home) if home else Path.home() / ".cache" / "scaleagent") / "serve"


def split_model(model: str) -> tuple[str, str]:
    """(id vLLM serves, litellm model string): `Qwen/X`, `hosted_vllm/Qwen/X` -> (`Qwen/X`, `hosted_vllm/Qwen/X`)"""
    hf = model.removeprefix(PREFIX)
    if not hf or hf.startswith(("local/", "openai/", "-")):
        raise ServeError(f"cannot serve {model!r} with vLLM: give a Hugging Face id or path "
                         f"(e.g. Qwen/Qwen2.5-Coder-7B-Instruct or {PREFIX}Qwen/Qwen2.5-Coder-7B-Instruct)")
    return hf, PREFIX + hf


def find_vllm() -> list[str]:
    override = os.environ.get("SCALEAGENT_VLLM")
    if override:
        return shlex.split(override)
    for exe in (Path(sys.executable).with_name("vllm"), shutil.which("vllm")):
        if exe and os.access(exe, os.X_OK):
            return [str(exe)]
    raise ServeError("vLLM is not installed: `pip install 'scaleagent[vllm]'` on a machine with a CUDA GPU")


def gpu_visible() -> bool:
    if os.environ.get("SCALEAGENT_SKIP_GPU_CHECK") == "1":
        return True
    if os.environ.get("CUDA_VISIBLE_DEVICES", None) in ("", "-1"):
        return False
    smi = shutil.which("nvidia-smi")
    if smi:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            done = subprocess.run([smi, "-L"], check=False, capture_output=True, text=True, timeout=20)
            return done.returncode == 0 and "GPU" in done.stdout
    return Path("/dev/nvidia0").exists()


def port_free(host: str, port: int) -> bool:
    """Nothing is bound to `port` (connections in TIME_WAIT do not count: servers reuse the address)."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        return s.bind((host, 0)) or s.getsockname()[1]


@dataclass
class ServeSpec:
    model: str
    port: int = 8000
    host: str = "127.0.0.1"
    gpu_memory_utilization: float | None = None
    max_model_len: int | None = None
    extra_args: list[str] = field(default_factory=list)
    ready_timeout: float = 1800.0  # a first start downloads the weights

    api_base = property(lambda self: f"http://{self.host}:{self.port}/v1")

    def command(self, exe: list[str]) -> list[str]:
        hf, _ = split_model(self.model)
        cmd = [*exe, "serve", hf, "--host", self.host, "--port", str(self.port), "--enable-prefix-caching"]
        if self.gpu_memory_utilization is not None:
            cmd += ["--gpu-memory-utilization", str(self.gpu_memory_utilization)]
        if self.max_model_len is not None:
            cmd += ["--max-model-len", str(self.max_model_len)]
        return cmd + list(self.extra_args)


def _get(url: str, timeout: float = 5.0) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, b""
    except (OSError, ValueError):
        return 0, b""


def last_lines(path: Path, n: int = 6) -> str:
    with contextlib.suppress(OSError):
        return " | ".join(ln.strip() for ln in path.read_text(errors="replace").splitlines()[-n:] if ln.strip())
    return "(no log)"


class VLLMServer:
    """One `vllm serve` child process: start, wait until it serves the model, stop."""

    def __init__(self, spec: ServeSpec, *, say: Callable[[str], None] | None = None):
        self.spec = spec
        self.hf_id, self.litellm_model = split_model(spec.model)
        self.say = say or (lambda _m: None)
        self.proc: subprocess.Popen[bytes] | None = None
        folder = state_dir()
        self.state_file = folder / f"serve-{spec.port}.json"
        self.log = folder / f"serve-{spec.port}.log"

    def start(self) -> VLLMServer:
        exe = find_vllm()
        if not gpu_visible():
            raise ServeError("no GPU visible (nvidia-smi lists none, or CUDA_VISIBLE_DEVICES hides them): "
                             "vLLM needs a CUDA GPU; use a local/... model on this machine")
        if not port_free(self.spec.host, self.spec.port):
            raise ServeError(f"port {self.spec.port} is taken on {self.spec.host} (another server? "
                             "`scaleagent serve --stop`); pick another with --port")
        self.log.parent.mkdir(parents=True, exist_ok=True)
        cmd = self.spec.command(exe)
        self.say(f"starting: {shlex.join(cmd)} (log: {self.log})")
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         start_new_session=True)
        self.state_file.write_text(json.dumps({
            "pid": self.proc.pid, "port": self.spec.port, "model": self.litellm_model,
            "api_base": self.spec.api_base, "log": str(self.log), "started": time.time()}) + "\n")
        return self

    def wait_ready(self, poll: float = 0.5) -> None:
        assert self.proc is not None
        deadline = time.monotonic() + self.spec.ready_timeout
        base = f"http://{self.spec.host}:{self.spec.port}"
        while True:
            code = self.proc.poll()
            if code is not None:
                self._forget()
                raise ServeError(f"vLLM exited with code {code} before serving {self.hf_id}; "
                                 f"last log lines: {last_lines(self.log)}")
            if _get(f"{base}/health")[0] == 200:
                status, body = _get(f"{base}/v1/models")
                if status == 200 and self.hf_id in body.decode(errors="replace"):
                    return
            if time.monotonic() > deadline:
                self.stop()
                raise ServeError(f"vLLM did not serve {self.hf_id} within {self.spec.ready_timeout:.0f} s "
                                 f"(stopped it); last log lines: {last_lines(self.log)}")
            time.sleep(poll)

    def stop(self) -> int | None:
        """SIGTERM the server's process group, SIGKILL after STOP_GRACE_S; its exit code."""
        if self.proc is None:
            return None
        code = terminate(self.proc.pid, self.proc.poll)
        self._forget()
        return code

    def _forget(self) -> None:
        with contextlib.suppress(OSError):
            self.state_file.unlink()


def terminate(pid: int, poll: Callable[[], int | None], grace: float = STOP_GRACE_S) -> int | None:
    """Stop the process group led by `pid` (SIGTERM, then SIGKILL); `poll` says when it is gone."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 10.0)):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, sig)
        end = time.monotonic() + wait
        while time.monotonic() < end:
            code = poll()
            if code is not None:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(pid, signal.SIGKILL)  # engine workers the server left behind hold GPU memory
                return code
            time.sleep(0.1)
    return poll()


class _Terminated(BaseException):  # SIGTERM arrived: unwind (and stop the server) like Ctrl-C
    pass


@contextlib.contextmanager
def on_sigterm_unwind() -> Iterator[None]:
    try:  # under asyncio: a KeyboardInterrupt from a loop callback (agents.interrupts)
        old = signal.signal(signal.SIGTERM, lambda _sig, _frame: raise_soon(_Terminated))
    except ValueError:  # not the main thread: leave signals alone
        old = None
    try:
        yield
    finally:
        if old is not None:
            signal.signal(signal.SIGTERM, old)


@contextlib.contextmanager
def serving(model: str, api_base: str | None, enabled: bool, *, say: Callable[[str], None] | None = None,
            **spec_options: object) -> Iterator[str | None]:
    """`--serve`: start a vLLM server for `model` on a free loopback port, yield its api_base, stop it
    after (also on Ctrl-C or SIGTERM). Not enabled: yield `api_base` unchanged."""
    if not enabled:
        yield api_base
        return
    if api_base is not None:
        raise ServeError("--serve starts its own server: drop --api-base (or drop --serve to use yours)")
    if not model.startswith(PREFIX):
        raise ServeError(f"--serve needs a vLLM model named {PREFIX}<hf-id> (got {model!r}); local/... models "
                         "run in process")
    say = say or (lambda m: print(f"scaleagent serve: {m}", file=sys.stderr, flush=True))
    server = VLLMServer(ServeSpec(model, port=free_port(), **spec_options), say=say)  # type: ignore[arg-type]
    with on_sigterm_unwind():
        try:
            server.start().wait_ready()
            say(f"serving {server.litellm_model} at {server.spec.api_base}")
            yield server.spec.api_base
        except _Terminated:
            raise KeyboardInterrupt from None
        finally:
            if server.proc is not None:  # (nothing to say when it never started)
                server.stop()
                say("server stopped")


# ---- servers started by an earlier `scaleagent serve` (state files) ---------------------------------
def _alive(pid: int) -> bool:
    with contextlib.suppress(OSError, IndexError):
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    return False


def _is_server(pid: int) -> bool:
    """The pid still runs a `... serve ...` command (not a pid reused by something else)."""
    with contextlib.suppress(OSError):
        return b"serve" in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    return False


def recorded(port: int | None = None) -> list[dict]:
    """The servers the state files describe (all, or the one on `port`); stale files are removed."""
    found = []
    for path in sorted(state_dir().glob("serve-*.json")):
        try:
            info = json.loads(path.read_text())
            pid = int(info["pid"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if port is not None and info.get("port") != port:
            continue
        if not (_alive(pid) and _is_server(pid)):
            with contextlib.suppress(OSError):
                path.unlink()
            continue
        found.append(info | {"state_file": str(path)})
    return found


def stop_recorded(port: int | None = None, grace: float = STOP_GRACE_S) -> list[dict]:
    """`scaleagent serve --stop [--port P]`: stop the recorded servers; returns what was stopped."""
    servers = recorded(port)
    for info in servers:
        pid = int(info["pid"])
        terminate(pid, lambda pid=pid: None if _alive(pid) else 0, grace)
        with contextlib.suppress(OSError):
            Path(info["state_file"]).unlink()
    return servers
