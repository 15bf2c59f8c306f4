"""examples/swe/patch_probe.py: a stored sampled patch prompt replayed, as stored and anchored to the
file's first line, with each reply classified (edit, unchanged, echo of the issue's example, no edit)."""
import asyncio
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

from agents.models.scripted import ScriptedModel
from agents.swe.patch import WRITE_BACK

ROOT = Path(__file__).resolve().parents[3]
_spec = importlib.util.spec_from_file_location("patch_probe", ROOT / "examples/swe/patch_probe.py")
probe_mod = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(probe_mod)

SOURCE = '"""A counter."""\n\n\nclass Counter:\n    def __init__(self):\n        self.n = 0\n\n' \
         '    def clear(self):\n        pass\n'
ISSUE = "Issue:\n`clear()` keeps the count.\n```python\nc = Counter()\nc.n = 3\nc.clear()\nprint(c.n)\n```\n\n"


def _run(tmp_path, rel="pkg/counter.py", write_back=True):
    user = (f"{ISSUE}File {rel}:\n```python\n{SOURCE.rstrip()}\n```\nFirst say which line. Then reply with the complete "
            "corrected file in one ```python block, changing only what the fix needs."
            + (WRITE_BACK.format(rel=rel) if write_back else "") + "\n\nBudget left: 8k tokens")
    run = tmp_path / "run"
    run.mkdir(exist_ok=True)
    memo = {"last_prompt": [{"role": "system", "content": "You fix bugs."}, {"role": "user", "content": user}]}
    (run / "result.json").write_text(json.dumps({"stages": {"patch": {"memo": memo}}}))
    return run


def test_the_stored_prompt_and_its_anchored_variant(tmp_path):
    messages, rel, source = probe_mod.stored_prompt(_run(tmp_path))
    assert rel == "pkg/counter.py" and source == SOURCE
    anchored = probe_mod.anchored(messages, rel, source)[-1]["content"]
    assert 'from its first line `"""A counter."""` to its last' in anchored
    assert WRITE_BACK.format(rel=rel) not in anchored and messages[-1]["content"] != anchored


def test_replies_are_classified():
    fixed = SOURCE.replace("        pass\n", "        self.n = 0\n")
    replies = [f"The clear method.\n```python\n{fixed}```", f"```python\n{SOURCE}```",
               "```python\nc = Counter()\nc.n = 3\nc.clear()\nprint(c.n)\n```", "I cannot help."]
    model = ScriptedModel(replies)
    out = asyncio.run(probe_mod.probe(model, [{"role": "user", "content": ISSUE + "File x.py:"}], SOURCE, 4, 0, 0.8))
    assert [k for k, _ in out] == ["edit", "unchanged", "echo", "no edit"]
    assert out[0][1] == "- pass | + self.n = 0"


def test_a_run_without_a_sampled_patch_prompt_is_a_one_line_error(tmp_path):
    for run in (tmp_path / "missing", _run(tmp_path, write_back=False)):
        out = subprocess.run([sys.executable, str(ROOT / "examples/swe/patch_probe.py"), str(run), "--model",
                              "local/qwen2.5-coder-1.5b"], capture_output=True, text=True, cwd=ROOT)
        assert out.returncode == 2 and out.stderr.startswith("patch_probe: ") and len(out.stderr.splitlines()) == 1
