"""GPU check (not part of `make test`): serve a small model with vLLM, run 3 HumanEval problems at K=8
through the scaled pipeline, print tokens/s and how much prefill vLLM's prefix cache saved.

Needs a CUDA GPU, `pip install 'scaleagent[vllm]'` and the model's weights (downloaded on first
use, or a local path). About 2-5 minutes on one modern GPU with the default 0.5B model.

    python scripts/gpu_check.py [--model Qwen/Qwen2.5-Coder-0.5B-Instruct] [--problems 0,1,2] [--k 8]
        [--sandbox bwrap] [--out runs/gpu-check]

Prints one line per problem, then one JSON line: generated tokens/s (vLLM's counters over the whole
check), prefix-cache hit rate (tokens served from the cache / tokens looked up), pass count.
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from agents.serve import ServeError, serving  # noqa: E402

COUNTERS = {"generation": "vllm:generation_tokens_total", "prompt": "vllm:prompt_tokens_total",
            "queries": "vllm:prefix_cache_queries_total", "hits": "vllm:prefix_cache_hits_total",
            "hit_rate_v0": "vllm:gpu_prefix_cache_hit_rate"}


def metrics(api_base: str) -> dict[str, float]:
    """vLLM's Prometheus counters (summed over labels); missing ones are absent."""
    url = api_base.removesuffix("/v1") + "/metrics"
    try:
        with urllib.request.urlopen(url, timeout=10) as r:  # our own loopback server
            text = r.read().decode()
    except OSError as e:  # (metrics turned off): the check still runs, without the counters
        print(f"gpu_check: no metrics from {url}: {e}", file=sys.stderr)
        return {}
    return parse_metrics(text)


def parse_metrics(text: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for key, name in COUNTERS.items():
        for m in re.finditer(rf"^{re.escape(name)}(?:{{[^}}]*}})? ([0-9.eE+-]+)$", text, re.M):
            out[key] = out.get(key, 0.0) + float(m.group(1))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="Qwen/Qwen2.5-Coder-0.5B-Instruct")
    ap.add_argument("--problems", default="0,1,2")
    ap.add_argument("--k", type=int, default=8)
    ap.add_argument("--budget", default="tokens=60k,run_tests=24")
    ap.add_argument("--sandbox", default="bwrap")
    ap.add_argument("--timeout", type=float, default=600.0, help="Seconds to wait for the model to load")
    ap.add_argument("--out", type=Path, default=Path("runs") / f"gpu-check-{time.strftime('%Y%m%d-%H%M%S')}")
    args = ap.parse_args()
    model = args.model if args.model.startswith("hosted_vllm/") else f"hosted_vllm/{args.model}"
    say = lambda m: print(f"gpu_check: {m}", file=sys.stderr, flush=True)  # noqa: E731
    try:
        with serving(model, None, True, say=say, gpu_memory_utilization=0.5, max_model_len=8192,
                     ready_timeout=args.timeout) as api_base:
            before, t0, passed = metrics(api_base), time.monotonic(), 0
            for pid in args.problems.split(","):
                cmd = [sys.executable, "-m", "agents.cli", "run", "humaneval", "-p", pid, "--k", str(args.k),
                       "--model", model, "--api-base", api_base, "--budget", args.budget, "--sandbox", args.sandbox,
                       "--run-dir", str(args.out / f"he{pid}"), "--json"]
                done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
                if done.returncode != 0:
                    say(f"problem {pid} failed: {(done.stderr.strip().splitlines() or ['?'])[-1]}")
                    continue
                res = json.loads(done.stdout)
                passed += bool(res.get("passed"))  # the hidden tests' verdict
                print(f"HumanEval/{pid}: {res['status']}, {res['steps']} steps, {res['wall_s']:.1f}s, "
                      f"{res['spend']['output_tokens']} output tokens, {res['spend']['model_calls']} calls", flush=True)
            wall, after = time.monotonic() - t0, metrics(api_base)
    except ServeError as e:  # no vLLM, no GPU, a port taken, a model that does not load
        print(f"gpu_check: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("gpu_check: interrupted (the server was stopped)", file=sys.stderr)
        return 130
    delta = {k: after.get(k, 0.0) - before.get(k, 0.0) for k in after}
    queries = delta.get("queries", 0.0)
    hit_rate = round(delta.get("hits", 0.0) / queries, 4) if queries else after.get("hit_rate_v0")
    print(json.dumps({"model": model, "k": args.k, "problems": args.problems, "passed": passed,
                      "wall_s": round(wall, 1), "generated_tokens": delta.get("generation"),
                      "tokens_per_s": round(delta.get("generation", 0.0) / wall, 1) if wall else None,
                      "prompt_tokens": delta.get("prompt"), "prefix_cache_hit_rate": hit_rate}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
