"""Best-of-16 sampling wall time against one sample, through the litellm backend.

The fake OpenAI-compatible server runs in its own process with a fixed latency (200 ms), once
honouring `n` (all 16 samples in one request) and once ignoring it, with the client told so
(`supports_n=False`: 16 parallel requests). Prints one JSON line:
  {"ratio": wall(n=16)/wall(n=1) with n passed through, "fanout_ratio": the same via fan-out, ...}
Target: ratio <= 1.15 (one prefill, one round trip). Medians over --repeats runs.

    python benchmarks/fanout.py --json
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from agents.models.base import GenerationParams  # noqa: E402

MSGS = [{"role": "user", "content": "Write a function that returns the n-th prime."}]


class Server:
    def __init__(self, latency: float, supports_n: bool):
        cmd = [sys.executable, "-m", "tests.fakes.openai_server", "--latency", str(latency)]
        if not supports_n:
            cmd.append("--no-n")
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.url = self.proc.stdout.readline().strip()

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


async def measure(model, n: int, repeats: int) -> list[float]:
    walls = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = await model.complete(MSGS, GenerationParams(n=n, max_tokens=32, seed=1))
        walls.append(time.perf_counter() - t0)
        assert len(out.choices) == n
    return walls


async def run(latency: float, n: int, repeats: int) -> dict:
    from agents.models.litellm_backend import LiteLLMModel

    result: dict = {"n": n, "latency_s": latency, "repeats": repeats, "cpus": os.cpu_count()}
    for label, supports_n in (("n", True), ("fanout", False)):
        server = Server(latency, supports_n)
        try:
            model = LiteLLMModel("openai/fake-model", api_base=server.url, supports_n=supports_n)
            for _ in range(3):  # warm up: connections, litellm's lazy imports and caches
                await measure(model, 1, 1)
                await measure(model, n, 1)
            ones, ns = [], []
            for _ in range(repeats):  # interleaved, so drift in machine load hits both alike
                ones += await measure(model, 1, 1)
                ns += await measure(model, n, 1)
            w1, wn = statistics.median(ones), statistics.median(ns)
        finally:
            server.close()
        key = "ratio" if label == "n" else "fanout_ratio"
        result[key] = round(wn / w1, 3)
        result[f"{label}_wall_1_s"] = round(w1, 4)
        result[f"{label}_wall_{n}_s"] = round(wn, 4)
    result["target"] = 1.15
    result["ok"] = result["ratio"] <= 1.15
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print one JSON line (default: a short table)")
    ap.add_argument("--latency", type=float, default=0.2)
    ap.add_argument("-n", type=int, default=16)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    res = asyncio.run(run(args.latency, args.n, args.repeats))
    if args.json:
        print(json.dumps(res))
    else:
        for k, v in res.items():
            print(f"{k:>20}  {v}")


if __name__ == "__main__":
    main()
