"""The SWE pipeline end to end on a real example repository, with a scripted model: localization
from the model's (tolerantly matched) answer, a reproduction test kept because it fails at the base
commit, a wrong patch refined with its test failures, selection by test vote; plus the modes."""
import subprocess
import sys
from pathlib import Path

import pytest

from agents.models.scripted import ScriptedModel
from agents.swe import final_patch, load_instances, solve_instance

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wraptext(tmp_path_factory):
    out = tmp_path_factory.mktemp("swe")
    subprocess.run([sys.executable, str(ROOT / "examples/swe/build.py"), "--out", str(out), "--only", "wraptext-1",
                    "--no-check"], check=True, capture_output=True)
    inst = load_instances(out / "instances.jsonl")[0]
    src = (ROOT / "examples/swe/repos/wraptext/tree/wraptext/wrap.py").read_text()
    return inst, src


def scripted(src, *, wrong_first=True):
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
            if wrong_first and "A previous fix attempt" not in user:
                return "```python\n" + wrong + "```"
            return "```python\n" + fixed + "```"
        return '{"best": 0}'
    return ScriptedModel(default=respond), fixed


async def test_scaled_digs_deeper_from_a_wrong_patch_to_the_fix(wraptext, tmp_path):
    inst, src = wraptext
    model, fixed = scripted(src)
    res = await solve_instance(inst, model=model, run_dir=tmp_path / "run", mode="scaled", k=2)
    assert "-            if current and current_len + needed >= width:" in res.model_patch
    assert "+            if current and current_len + needed > width:" in res.model_patch
    import json
    steps = [json.loads(line) for line in (tmp_path / "run" / "trajectory.jsonl").read_text().splitlines()]
    patch_steps = [s for s in steps if s["stage"] == "patch"]
    assert patch_steps[0]["decision"]["action"] == "dig_deeper"
    assert patch_steps[1]["mode"] == "refine" and patch_steps[1]["decision"]["action"] == "accept"
    repro = [s for s in steps if s["stage"] == "reproduce"][0]
    assert any(v["passed"] for v in repro["verdicts"])
    assert res.spend["tool_calls"]["run_tests"] >= 4
    pred = json.loads((tmp_path / "run" / "predictions.jsonl").read_text())
    assert pred["instance_id"] == inst.instance_id and pred["model_patch"] == res.model_patch


async def test_single_mode_makes_one_greedy_patch(wraptext, tmp_path):
    inst, src = wraptext
    model, _ = scripted(src, wrong_first=False)
    res = await solve_instance(inst, model=model, run_dir=tmp_path / "run", mode="single")
    assert "needed > width" in res.model_patch and res.steps == 2
    assert "run_tests" not in res.spend["tool_calls"]


async def test_unusable_model_output_yields_no_patch_not_a_crash(wraptext, tmp_path):
    inst, _ = wraptext
    res = await solve_instance(inst, model=ScriptedModel(default="I am not sure."), run_dir=tmp_path / "run",
                               mode="scaled", k=2)
    assert res.model_patch == "" and res.status in ("completed", "budget_exhausted")


def test_a_verifier_given_to_a_swe_stage_is_kept():
    """Reproduce, Patch and Select bring their own verifier only when the caller gives none."""
    from agents.swe.patch import Patch, PatchVerifier
    from agents.swe.reproduce import Reproduce, _ReproVerifier
    from agents.swe.select import Select, _Recorded

    class Mine:
        async def verify(self, ctx, cands):
            return []

    for cls, default in ((Reproduce, _ReproVerifier), (Patch, PatchVerifier), (Select, _Recorded)):
        mine = Mine()
        assert cls(verifier=mine).verifier is mine
        assert type(cls().verifier) is default


async def test_a_budget_too_small_to_localize_falls_back_to_the_lexical_ranking(wraptext, tmp_path):
    """Localize's share of a tight budget may not afford one model call: the free lexical ranking
    then decides the files, and the patch stage still runs (it used to crash the solve)."""
    import json

    from budgets import Budget

    inst, src = wraptext
    model, _ = scripted(src, wrong_first=False)
    res = await solve_instance(inst, model=model, run_dir=tmp_path / "run", mode="best_of_n", k=2,
                               budget=Budget(tokens=8_000))  # localize's 10% cannot pay for its prompt
    steps = [json.loads(line) for line in (tmp_path / "run" / "trajectory.jsonl").read_text().splitlines()]
    loc = next(s for s in steps if s["stage"] == "localize")
    assert any("lexical ranking alone" in e for e in loc["errors"])
    assert "wraptext/wrap.py" in loc["candidates"][0]["content"]["files"]
    assert any(s["stage"] == "patch" for s in steps) and res.status != "crashed"


def test_patch_key_ignores_comments_blank_lines_and_spacing():
    from agents.swe.patch import patch_key

    a = "--- a/m.py\n+++ b/m.py\n@@ -1 +1 @@\n-    return x // 9\n+    return x / 9\n"
    b = ("--- a/m.py\n+++ b/m.py\n@@ -1 +1,3 @@\n+# File m.py\n-    return x // 9\n+    return  x / 9  # fixed\n+\n")
    c = "--- a/m.py\n+++ b/m.py\n@@ -1 +1 @@\n-    return x // 9\n+    return '#' + x\n"
    assert patch_key(a) == patch_key(b) == "-return x // 9\n+return x / 9"
    assert patch_key(c).endswith("+return '#' + x")
