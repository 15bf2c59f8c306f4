"""`scaleagent serve`: run a vLLM server for a model (foreground or --detach), or stop one (--stop)."""
from __future__ import annotations

import shlex
import sys
from typing import Any

import typer

from agents.cli_support import emit_json

ServeOpt = typer.Option(False, "--serve", help="Start a vLLM server for a hosted_vllm/<hf-id> --model for this "
                                              "run and stop it after (needs vLLM and a GPU)")


def _say(message: str) -> None:
    print(f"scaleagent serve: {message}", file=sys.stderr, flush=True)


def serve(model: str | None = typer.Argument(None, help="A Hugging Face id or path, with or without hosted_vllm/"),
          port: int | None = typer.Option(None, "--port", min=1, max=65535, help="Port (default 8000)"),
          host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on"),
          gpu_memory_utilization: float | None = typer.Option(None, "--gpu-memory-utilization", min=0.05, max=1.0,
                                                                 help="Fraction of GPU memory vLLM may use"),
          max_model_len: int | None = typer.Option(None, "--max-model-len", min=256, help="Context length"),
          vllm_args: str = typer.Option("", "--vllm-args", help="More `vllm serve` flags, e.g. '--dtype half'"),
          timeout: float = typer.Option(1800.0, "--timeout", min=1.0,
                                        help="Seconds to wait until the model is served (a first start downloads it)"),
          detach: bool = typer.Option(False, "--detach", help="Leave the server running in the background"),
          stop: bool = typer.Option(False, "--stop", help="Stop the server(s) an earlier `serve` started "
                                                          "(all, or the one on --port)"),
          as_json: bool = typer.Option(False, "--json", help="Print one JSON object on stdout")) -> None:
    """Serve MODEL with vLLM (OpenAI-compatible, prefix caching on) and print the --api-base and
    --model to use; Ctrl-C or `scaleagent serve --stop` stops it."""
    from agents import serve as sv

    if stop:
        stopped = sv.stop_recorded(port)
        if as_json:
            emit_json({"stopped": [{k: s[k] for k in ("pid", "port", "model")} for s in stopped]})
        else:
            for s in stopped:
                typer.echo(f"stopped {s['model']} on port {s['port']} (pid {s['pid']})")
            if not stopped:
                typer.echo("no server to stop")
        return
    if not model:
        raise sv.ServeError("give the MODEL to serve (or --stop)")
    spec = sv.ServeSpec(model, port=port or 8000, host=host, gpu_memory_utilization=gpu_memory_utilization,
                        max_model_len=max_model_len, extra_args=shlex.split(vllm_args), ready_timeout=timeout)
    server = sv.VLLMServer(spec, say=_say)
    with sv.on_sigterm_unwind():
        try:
            server.start().wait_ready()
            _announce(server, detach, as_json)
            if detach:
                return
            code = server.proc.wait()  # type: ignore[union-attr]
        except (KeyboardInterrupt, sv._Terminated):
            _say("stopping")
            server.stop()
            _say("stopped")
            return
        except BaseException:
            server.stop()
            raise
    if not server.state_file.exists():  # `serve --stop` from another shell removed it
        _say("stopped")
        return
    server.stop()
    raise sv.ServeError(f"vLLM exited with code {code}; last log lines: {sv.last_lines(server.log)}")


def _announce(server: Any, detach: bool, as_json: bool) -> None:
    info = {"model": server.litellm_model, "api_base": server.spec.api_base, "pid": server.proc.pid,
            "port": server.spec.port, "log": str(server.log), "detached": detach}
    if as_json:
        emit_json(info)
        sys.stdout.flush()
        return
    typer.echo(f"serving {server.hf_id} (pid {server.proc.pid}, log {server.log})")
    typer.echo(f"use: --model {server.litellm_model} --api-base {server.spec.api_base}")
    port = "" if server.spec.port == 8000 else f" --port {server.spec.port}"
    typer.echo(f"stop: scaleagent serve --stop{port}" + ("" if detach else "  (or Ctrl-C)"))
    sys.stdout.flush()


def register(app: typer.Typer, bench_app: typer.Typer) -> None:
    """Add `scaleagent serve` (bench commands take `--serve` through `agents.serve.serving`)."""
    app.command("serve")(serve)
