"""Replay a run's last sampled patch prompt N times, as it was and with a variant of its write-back
line, and count what the replies are: an edit of the file, the file unchanged, an echo of the issue's
example code instead of the file, or something else that is no edit (truncated, no code block, does
not parse).

    python examples/swe/patch_probe.py RUN_DIR [--n 10] [--model local/qwen2.5-coder-1.5b] [--seed 0]

RUN_DIR is a `solve`/`bench swe`/`make demo` run whose patch stage sampled (its `result.json` keeps
the stage's last prompt). The variant ("anchored") names the file's first line in the write-back line.
Each reply's edit is shown as its changed lines, so which ones fix the bug can be read off. Use it on
dev instances only: the test split is for the final table.
"""
from __future__ import annotations

import argparse
import asyncio
import difflib
import json
import re
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from agents.errors import ScaleAgentError  # noqa: E402
from agents.models.base import GenerationParams  # noqa: E402
from agents.models.registry import get_model  # noqa: E402
from agents.swe.patch import WRITE_BACK  # noqa: E402
from tools.edits import EditError, code_blocks, rewrite_file  # noqa: E402

_FILE = re.compile(r"File (\S+):\n```python\n(.*?)\n```\n", re.S)


class ProbeError(Exception):
    pass


def stored_prompt(run_dir: Path) -> tuple[list[dict], str, str]:
    """(messages, file path, file source) of the run's last sampled whole-file patch prompt."""
    try:
        result = json.loads((run_dir / "result.json").read_text())
        messages = result["stages"]["patch"]["memo"]["last_prompt"]
        user = messages[-1]["content"]
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        raise ProbeError(f"{run_dir}: no patch prompt in result.json (a finished SWE run whose patch stage "
                         "sampled?)") from None
    m = _FILE.search(user)
    if not m or WRITE_BACK.format(rel=m.group(1)) not in user:
        raise ProbeError(f"{run_dir}: its last patch prompt is not a sampled whole-file prompt")
    return messages, m.group(1), m.group(2) + "\n"


def anchored(messages: list[dict], rel: str, source: str) -> list[dict]:
    first = next((ln for ln in source.splitlines() if ln.strip()), "")
    line = f" The block must be all of {rel} itself, from its first line `{first}` to its last, not the issue's example code."
    return messages[:-1] + [{**messages[-1], "content": messages[-1]["content"].replace(WRITE_BACK.format(rel=rel), line)}]


def classify(reply: str, source: str, issue: str) -> tuple[str, str]:
    """(kind, changed lines) of one reply. An echo: most lines of its largest code block are the
    issue's, few are the file's."""
    blocks = code_blocks(reply)
    lines = [ln.strip() for ln in (max(blocks, key=len) if blocks else "").splitlines() if ln.strip()]
    if lines and sum(ln in issue for ln in lines) >= len(lines) / 2 > sum(ln in source for ln in lines):
        return "echo", ""
    try:
        new = rewrite_file(source, reply)
    except EditError:
        return "no edit", ""
    if new == source:
        return "unchanged", ""
    diff = [d for d in difflib.unified_diff(source.splitlines(), new.splitlines(), lineterm="", n=0)
            if d[:1] in "+-" and not d.startswith(("+++", "---"))]
    return "edit", " | ".join(f"{d[0]} {d[1:].strip()}" for d in diff[:4])


async def probe(model, messages: list[dict], source: str, n: int, seed: int, temperature: float) -> list[tuple[str, str]]:
    issue = messages[-1]["content"].split("File ", 1)[0]
    tokens = max(256, min(2048, 200 + len(source) // 2))
    out = []
    for i in range(n):
        c = await model.complete(messages, GenerationParams(n=1, max_tokens=tokens, temperature=temperature,
                                                            seed=seed + i))
        out.append(classify(c.choices[0].text if c.choices else "", source, issue))
    return out


def _count(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 200:
        raise argparse.ArgumentTypeError(f"{text!r} is not a count from 1 to 200")
    return int(text)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run_dir", type=Path)
    ap.add_argument("--n", type=_count, default=10, help="replies per variant (1-200)")
    ap.add_argument("--model", default="local/qwen2.5-coder-1.5b")
    ap.add_argument("--seed", type=int, default=0, help="seed of the first reply (then +1 each)")
    ap.add_argument("--temperature", type=float, default=0.8)
    a = ap.parse_args()
    try:
        messages, rel, source = stored_prompt(a.run_dir)
        model = get_model(a.model)
    except (ProbeError, ScaleAgentError) as e:
        print(f"patch_probe: {e}", file=sys.stderr)
        return 2
    for name, msgs in (("as stored", messages), ("anchored", anchored(messages, rel, source))):
        try:
            replies = asyncio.run(probe(model, msgs, source, a.n, a.seed, a.temperature))
        except ScaleAgentError as e:  # the model failed (not loadable, out of context, ...)
            print(f"patch_probe: {e}", file=sys.stderr)
            return 1
        counts = Counter(kind for kind, _ in replies)
        print(f"{name}: " + ", ".join(f"{counts[k]} {k}" for k in ("edit", "unchanged", "echo", "no edit")))
        for kind, lines in replies:
            if kind == "edit":
                print(f"   edit: {lines[:200]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
