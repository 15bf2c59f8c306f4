"""A stand-in for `vllm serve` (tests point `$SCALEAGENT_VLLM` at `python this_file`).

`serve MODEL --host H --port P [--enable-prefix-caching] [--gpu-memory-utilization F]
[--max-model-len N] [--served-model-name NAME]`; any other flag: argparse's error, exit 2 (vLLM
dies on bad flags the same way). It listens at once but answers `/health` and `/v1/models` with 503
until `$FAKE_VLLM_START_S` (default 1.5) seconds have passed (vLLM loads the model first), then
serves OpenAI chat completions through `tests.fakes.openai_server` (n honoured unless
`$FAKE_VLLM_NO_N=1`) and `/metrics` with vLLM's prefix-cache and token counters. A model whose name starts
with `broken/` fails to load: log lines, exit 1. SIGTERM or SIGINT: "Shutting down", exit 0.
`$FAKE_VLLM_WORKER=1`: also start an "engine worker" that ignores SIGTERM (logs its pid).
Every request is appended as one JSON line to `$FAKE_VLLM_RECORD` when set.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.fakes.openai_server import FakeOpenAIServer, _Handler, _Server, prompt_tokens


def log(message: str) -> None:
    print(f"INFO {time.strftime('%H:%M:%S')} {message}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(prog="vllm")
    sub = ap.add_subparsers(dest="cmd", required=True)
    sp = sub.add_parser("serve")
    sp.add_argument("model")
    sp.add_argument("--host", default="0.0.0.0")
    sp.add_argument("--port", type=int, default=8000)
    sp.add_argument("--enable-prefix-caching", action="store_true")
    sp.add_argument("--gpu-memory-utilization", type=float, default=0.9)
    sp.add_argument("--max-model-len", type=int)
    sp.add_argument("--served-model-name")
    args = ap.parse_args()
    name = args.served_model_name or args.model
    start_s = float(os.environ.get("FAKE_VLLM_START_S", "1.5"))
    record = os.environ.get("FAKE_VLLM_RECORD")
    log(f"vLLM API server version 0.0-fake; args: {vars(args)}")
    fake = FakeOpenAIServer(model_name=name, supports_n=os.environ.get("FAKE_VLLM_NO_N") != "1")
    ready_at = time.monotonic() + start_s
    cached = {"queries": 0, "hits": 0, "last": 0, "prompt": 0, "generation": 0}

    class Handler(_Handler):
        def do_GET(self) -> None:
            path = self.path.rstrip("/")
            if time.monotonic() < ready_at:
                self._send(503, b'{"error": {"message": "loading"}}')
            elif path == "/health":
                self._send(200, b"")
            elif path == "/metrics":
                text = (f"vllm:prefix_cache_queries_total{{model_name=\"{name}\"}} {cached['queries']}.0\n"
                        f"vllm:prefix_cache_hits_total{{model_name=\"{name}\"}} {cached['hits']}.0\n"
                        f"vllm:prompt_tokens_total{{model_name=\"{name}\"}} {cached['prompt']}.0\n"
                        f"vllm:generation_tokens_total{{model_name=\"{name}\"}} {cached['generation']}.0\n")
                self._send(200, text.encode(), "text/plain")
            else:
                super().do_GET()

        def do_POST(self) -> None:
            if time.monotonic() < ready_at:
                self._send(503, b'{"error": {"message": "loading"}}')
                return
            super().do_POST()

    Handler.fake = fake
    original = fake.answer

    def answer(body):
        resp, rec = original(body)
        ptok = prompt_tokens(body.get("messages") or [])
        cached["queries"] += ptok
        cached["hits"] += min(ptok, cached["last"])  # crude: a repeated prompt is a hit
        cached["last"] = ptok
        cached["prompt"] += ptok
        cached["generation"] += int(resp["usage"]["completion_tokens"])
        if record:
            with open(record, "a") as f:
                f.write(json.dumps({"n": body.get("n"), "model": body.get("model"),
                                    "choices": len(resp["choices"])}) + "\n")
        return resp, rec

    fake.answer = answer  # type: ignore[method-assign]
    httpd = _Server((args.host, args.port), Handler)
    httpd.daemon_threads = True
    log(f"Loading model {args.model} ...")
    if args.model.startswith("broken/"):
        time.sleep(min(start_s, 0.5))
        print(f"ERROR {time.strftime('%H:%M:%S')} OSError: {args.model} is not a valid model identifier",
              flush=True)
        print("RuntimeError: Engine core initialization failed. See root cause above.", flush=True)
        sys.exit(1)

    def stop(_sig: int, _frame: object) -> None:
        log("Shutting down")
        threading.Thread(target=httpd.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if os.environ.get("FAKE_VLLM_WORKER") == "1":  # an engine worker that ignores SIGTERM and outlives us
        import subprocess

        code = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(600)"
        worker = subprocess.Popen([sys.executable, "-c", code])
        log(f"engine worker pid {worker.pid}")
    log(f"Starting vLLM API server on http://{args.host}:{args.port}")
    httpd.serve_forever(poll_interval=0.05)
    httpd.server_close()
    log("Application shutdown complete.")


if __name__ == "__main__":
    main()
