"""Helpers for the SWE pipeline tests: the wraptext example instance and scripted models that answer
each stage's prompt (localize, reproduce, patch, judge) the way a test needs."""
import subprocess
import sys
from pathlib import Path

import pytest

from agents.models.scripted import ScriptedModel
from agents.swe import load_instances

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wraptext(tmp_path_factory):
    out = tmp_path_factory.mktemp("swe")
    subprocess.run([sys.executable, str(ROOT / "examples/swe/build.py"), "--out", str(out), "--only", "wraptext-1",
                    "--no-check"], check=True, capture_output=True)
    inst = load_instances(out / "instances.jsonl")[0]
    src = (ROOT / "examples/swe/repos/wraptext/tree/wraptext/wrap.py").read_text()
    return inst, src


def scripted(src, *, wrong_first=True, seen=None):
    """`seen` collects (temperature, test shown, refining) for every patch call on wrap.py."""
    fixed = src.replace("current_len + needed >= width", "current_len + needed > width")
    wrong = src.replace("current_len + needed >= width", "current_len + needed >= width + 5")
    repro_fail = "```python\nfrom wraptext import wrap\n\ndef test_exact():\n    assert wrap('aaa bbb', width=7) == ['aaa bbb']\n```"
    repro_pass = "```python\nfrom wraptext import wrap\n\ndef test_ok():\n    assert wrap('', width=7) == []\n```"
    state = {"patches": 0}

    def respond(messages, params):
        user = messages[-1]["content"]
        if "Which file and function" in user:
            return "path/to/wrap.py::wrap"
        if "pytest file" in user:
            return repro_fail if "wrap" in user else repro_pass
        if "which line causes the issue" in user:
            state["patches"] += 1
            if seen is not None and "File wraptext/wrap.py" in user:
                seen.append((params.temperature, "This test reproduces the issue" in user,
                             "A previous fix attempt" in user))
            if wrong_first and "A previous fix attempt" not in user:
                return "```python\n" + wrong + "```"
            return "```python\n" + fixed + "```"
        return '{"best": 0}'
    return ScriptedModel(default=respond), fixed


def wrap_model(repro, patch, *, ask="which line causes the issue", fenced=True):
    """Localizes to wrap.py, answers the reproduce prompt with `repro`, and each patch prompt (one
    containing `ask`) for wrap.py with what `patch(prompt)` returns, in a python fence if `fenced`
    (for other files: no code)."""
    def respond(messages, params):
        user = messages[-1]["content"]
        if "Which file and function" in user:
            return "wraptext/wrap.py::wrap"
        if "pytest file" in user:
            return repro
        if ask in user:
            if "File wraptext/wrap.py" not in user:
                return "No change needed here."
            return "```python\n" + patch(user) + "```" if fenced else patch(user)
        return '{"best": 0}'
    return ScriptedModel(default=respond)
