"""Prompt-prefix reuse of the local (llama.cpp) backend: K samples of one long prompt, then a follow-up.

1. K samples of one ~1,000-token prompt (a fresh cache): wall time, prompt-processing time.
2. One sample of the same prompt from an empty cache (`prefix_cache="off"`): the time of one
   prefill and the decode time per token.
3. A follow-up that shares the prompt (the prompt, the first sample as the assistant's answer, and a
   judge question), in the mode under test.
4. The prompt of 2 again from an empty cache in plain 512-token batches (llama's own way, no
   canonical segments): `one_prefill_cpu_s / plain_prefill_cpu_s` is what `exact`'s segments cost a
   cold prompt (CPU seconds: steadier than wall time on a loaded machine).

Prints one JSON line with
  followup_prefill_ratio = prompt-processing time of 3 / that of 1        (goal <= 0.10)
  k_sample_ratio = wall of 1 / (one prefill + decode time of 1's tokens)  (goal <= 1.1)
Prompt-processing time is the time llama spends in multi-token batches (a wrapper on its decode).

    SCALEAGENT_LLAMA_THREADS=1 python benchmarks/prefix.py --json [--model local/qwen2.5-coder-0.5b]
        [--k 8] [--prompt-tokens 1000] [--mode exact|full|off]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from agents.models import get_model, prefix  # noqa: E402
from agents.models.base import GenerationParams  # noqa: E402
from agents.models.local import _load  # noqa: E402

CODE = "".join(f"def step_{i}(values, scale={i % 7 + 1}):\n    \"\"\"Scale the {i}-th window.\"\"\"\n"
               f"    return [v * scale + {i} for v in values[{i}:{i} + 8]]\n\n" for i in range(200))


class PrefillClock:
    """Time spent evaluating prompts (every batch of the backend's prompt preparation, and llama's
    own multi-token batches) and decoding (the other one-token batches)."""

    def __init__(self, llm: Any):
        self.prompt_s = self.decode_s = self.prompt_cpu_s = 0.0
        ctx, inner = llm._ctx, llm._ctx.decode
        reuse, prepare = prefix.install(llm), prefix.install(llm)._prepare
        preparing = [False]

        def decode(batch: Any) -> Any:
            t0, c0 = time.perf_counter(), time.process_time()
            try:
                return inner(batch)
            finally:
                took = time.perf_counter() - t0
                if preparing[0] or getattr(getattr(batch, "batch", None), "n_tokens", 1) > 1:
                    self.prompt_s += took
                    self.prompt_cpu_s += time.process_time() - c0
                else:
                    self.decode_s += took

        def timed_prepare(tokens: list[int]) -> None:
            preparing[0] = True
            try:
                prepare(tokens)
            finally:
                preparing[0] = False

        ctx.decode, reuse._prepare = decode, timed_prepare

    def lap(self) -> tuple[float, float]:
        out = (self.prompt_s, self.decode_s)
        self.prompt_s = self.decode_s = 0.0
        return out

    def cpu_lap(self) -> float:
        out, self.prompt_cpu_s = self.prompt_cpu_s, 0.0
        return out


def prompt(model: Any, tokens: int) -> list[dict[str, str]]:
    """A code-review prompt cut to about `tokens` tokens of the model's tokenizer."""
    llm, _ = _load(model.path, model.n_ctx, model.n_threads)
    ids = llm.tokenize(CODE.encode(), add_bos=False)[: max(1, tokens - 40)]
    code = llm.detokenize(ids).decode(errors="ignore")
    return [{"role": "system", "content": "You are a careful Python reviewer."},
            {"role": "user", "content": f"```python\n{code}\n```\nWhich function has a bug? Answer briefly."}]


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    model = get_model(args.model, prefix_cache=args.mode)
    cold = get_model(args.model, prefix_cache="off")
    msgs = prompt(model, args.prompt_tokens)
    llm, _ = _load(model.path, model.n_ctx, model.n_threads)
    clock = PrefillClock(llm)
    params = GenerationParams(n=args.k, max_tokens=args.max_tokens, temperature=0.8, seed=1)
    t0, c0 = time.perf_counter(), time.process_time()
    first = await cold.complete(msgs, params)  # 1: K samples from an empty cache
    wall_k, cpu_k = time.perf_counter() - t0, time.process_time() - c0
    prefill_k, _ = clock.lap()
    clock.cpu_lap()
    c1 = time.process_time()
    one = await cold.complete(msgs, params.model_copy(update={"n": 1}))  # 2: one prefill, one decode
    cpu_1 = time.process_time() - c1
    prefill_1, decode_1 = clock.lap()
    prefill_1_cpu, tokens = clock.cpu_lap(), llm.input_ids[: one.raw["prompt_tokens_per_sample"]].tolist()
    per_token = decode_1 / max(1, one.usage.output_tokens)
    cpu_per_token = (cpu_1 - prefill_1_cpu) / max(1, one.usage.output_tokens)
    follow = [*msgs, {"role": "assistant", "content": first.texts[0]},
              {"role": "user", "content": "Judge that answer: is it right? Reply yes or no, then one reason."}]
    out = await model.complete(follow, params.model_copy(update={"n": 1}))  # 3: the follow-up
    prefill_f, _ = clock.lap()
    llm.reset()  # 4: the same prompt in plain 512-token batches (llama's own way): what segments cost
    prefix.install(llm).trusted = []
    clock.cpu_lap()
    llm.eval(tokens)
    plain_s, _ = clock.lap()
    plain_cpu = clock.cpu_lap()
    return {
        "model": args.model, "mode": args.mode, "k": args.k,
        "prompt_tokens": first.raw["prompt_tokens_per_sample"], "followup_prompt_tokens": out.usage.input_tokens,
        "followup_reused_tokens": out.raw["reused_tokens"],
        "first_prefill_s": round(prefill_k, 3), "followup_prefill_s": round(prefill_f, 3),
        "followup_prefill_ratio": round(prefill_f / prefill_k, 4),
        "k_wall_s": round(wall_k, 3), "one_prefill_s": round(prefill_1, 3),
        "plain_prefill_s": round(plain_s, 3), "one_prefill_cpu_s": round(prefill_1_cpu, 3),
        "plain_prefill_cpu_s": round(plain_cpu, 3),
        "k_output_tokens": first.usage.output_tokens, "decode_s_per_token": round(per_token, 5),
        "k_sample_ratio": round(wall_k / (prefill_1 + per_token * first.usage.output_tokens), 4),
        "k_cpu_s": round(cpu_k, 3),  # the same ratio in CPU seconds: steadier on a loaded machine
        "k_sample_ratio_cpu": round(cpu_k / (prefill_1_cpu + cpu_per_token * first.usage.output_tokens), 4),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="local/qwen2.5-coder-0.5b")
    ap.add_argument("--k", type=int, default=8)
    ap.add_argument("--prompt-tokens", type=int, default=1000)
    ap.add_argument("--max-tokens", type=int, default=32)
    ap.add_argument("--mode", default="exact", choices=("exact", "full", "off"))
    ap.add_argument("--json", action="store_true", help="one JSON line (the default output too)")
    args = ap.parse_args()
    if not args.model.startswith("local/"):
        sys.exit("benchmarks/prefix.py: error: --model must be a local/... model")
    print(json.dumps(asyncio.run(main_async(args))), flush=True)


if __name__ == "__main__":
    main()
