"""The SWE pipeline's defences against small models' mistakes, with a scripted model: wrong
generated tests distrusted, the greedy plain attempt kept, samples paid for kept when the budget
runs out, smaller versions of a breaking patch, diffs as replies, verdicts reused, edit formats."""
import pytest
from swe_scripted import ROOT, scripted, wrap_model  # noqa: F401

from agents.models.scripted import ScriptedModel
from budgets import Budget
from agents.swe import solve_instance


async def test_a_wrong_reproduction_test_is_distrusted_and_the_patch_that_changed_its_failure_wins(
        wraptext, tmp_path):
    """The model's reproduction test expects a wrong value, so even the correct fix fails it.
    The fix still changes *how* it fails (the no-op edit does not): it earns partial credit and wins
    selection; after two patch rounds with no candidate passing, the test is distrusted and the
    controller stops refining against it (before: fix and no-op tied and the judge picked the no-op)."""
    import json

    inst, src = wraptext
    fixed = src.replace("current_len + needed >= width", "current_len + needed > width")
    noop = src.replace("    lines = []\n", "    lines = list()\n")
    wrong_repro = ("```python\nfrom wraptext import wrap\n\ndef test_exact():\n"
                   "    assert wrap('aaa bbb', width=7) == ['aaa', ' bbb']\n```")
    calls = {"patch": 0}

    def patch(prompt):
        calls["patch"] += 1
        return fixed if "A previous fix attempt" in prompt or not calls["patch"] % 2 else noop

    from budgets.plan import Plan

    hedge = Plan.model_validate({"stages": {"patch": {"settings": {"focus": 0.0}}}})  # 2 samples on wrap.py:
    res = await solve_instance(inst, model=wrap_model(wrong_repro, patch), run_dir=tmp_path / "run",  # 1 fix, 1 no-op
                               mode="scaled", k=4, plan=hedge)
    assert "+            if current and current_len + needed > width:" in res.model_patch
    steps = [json.loads(line) for line in (tmp_path / "run" / "trajectory.jsonl").read_text().splitlines()]
    patch_steps = [s for s in steps if s["stage"] == "patch"]
    first = {v["candidate_id"]: v for v in patch_steps[0]["verdicts"]}
    by_content = {("noop" if "list()" in c["content"]["patch"] else "fix"): first[c["id"]]
                  for c in patch_steps[0]["candidates"] if c["id"] in first}
    assert by_content["fix"]["details"]["moved"] and not by_content["noop"]["details"]["moved"]
    assert by_content["fix"]["score"] > by_content["noop"]["score"]
    assert patch_steps[0]["decision"]["action"] == "dig_deeper"
    last = patch_steps[-1]
    assert all(v["details"].get("distrusted") for v in last["verdicts"] if "tests" in v["details"])
    assert last["decision"]["action"] == "stop" and "may be wrong" in last["decision"]["reason"]
    assert len(patch_steps) == 2


async def test_patch_controller_with_every_reproduction_test_distrusted():
    """Stop with a best that changed what the tests see; pivot (re-localize) when none did; refine
    as usual while the tests are still trusted."""
    from agents.context import StepContext
    from agents.runtime import Runtime
    from agents.stage import Stage
    from agents.state import Selection, StageResult, Task, Verdict
    from agents.swe.patch import PatchController

    rt = Runtime(model=ScriptedModel([]))
    ctx = StepContext(task=Task(id="t", input={}), stage=Stage("patch"), runtime=rt, tracker=rt.tracker,
                      results={}, history=[], result=StageResult(stage="patch"), step=1, mode="refine")
    sel = Selection(strategy="test_vote", winner="c", ranking=["c"])

    def best(**details):
        return Verdict(candidate_id="c", score=0.3, details={"kind": "swe.patch", "reproductions": 1,
                                                             "regressions": [], **details})

    decide = PatchController().decide
    moved = await decide(ctx, sel, best(moved=["r.py"], distrusted=["r.py"]))
    assert moved.action == "stop" and "may be wrong" in moved.reason
    unmoved = await decide(ctx, sel, best(moved=[], distrusted=["r.py"]))
    assert unmoved.action == "pivot" and "re-localize" in unmoved.reason
    trusted = await decide(ctx, sel, best(moved=["r.py"]))
    assert trusted.action == "dig_deeper"


async def test_the_first_patch_round_keeps_the_greedy_issue_only_attempt(wraptext, tmp_path):
    """The first first-round sample for each target file is what `--mode single` makes (temperature
    0, no generated test in the prompt); the others see the reproduction test; refinements are not
    greedy."""
    inst, src = wraptext
    seen = []
    model, _ = scripted(src, seen=seen)
    await solve_instance(inst, model=model, run_dir=tmp_path / "run", mode="scaled", k=4)
    assert seen[0] == (0.0, False, False)
    assert any(t > 0 and shown and not refine for t, shown, refine in seen[1:])
    assert all(t > 0 for t, _, refine in seen if refine)


async def test_samples_drawn_before_the_budget_ran_out_are_still_verified(wraptext, tmp_path, monkeypatch):
    """The budget may pay for the first patch call of a step but not the next: the candidates
    already paid for are verified and can win (they used to be dropped with the whole step)."""
    import json

    from agents.context import StepContext
    from budgets import BudgetExceeded

    inst, src = wraptext
    model, _ = scripted(src, wrong_first=False)
    real = StepContext.sample
    patch_calls = []

    async def sample(self, request):
        if self.stage.name == "patch":
            patch_calls.append(request.params.temperature)
            if len(patch_calls) > 1:
                raise BudgetExceeded("tokens: simulated, 0 left")
        return await real(self, request)

    monkeypatch.setattr(StepContext, "sample", sample)
    res = await solve_instance(inst, model=model, run_dir=tmp_path / "run", mode="best_of_n", k=4)
    assert "needed > width" in res.model_patch
    steps = [json.loads(line) for line in (tmp_path / "run" / "trajectory.jsonl").read_text().splitlines()]
    patch = next(s for s in steps if s["stage"] == "patch")
    assert len(patch["candidates"]) == 1 and patch["verdicts"]
    assert any("kept the 1 samples drawn before it" in e for e in patch["errors"])


async def test_a_fix_that_comes_with_a_breaking_change_is_tried_without_it(wraptext, tmp_path):
    """Every sample makes the right fix and also renames `fill`, which breaks the existing tests.
    The scaled pipeline verifies smaller versions of the best broken patch (one change left out):
    the fix alone passes everything and wins; best-of-N, which does not ablate, cannot find it."""
    import json

    inst, src = wraptext
    both = src.replace("current_len + needed >= width", "current_len + needed > width").replace(
        "def fill(", "def fill_text(")
    repro = "```python\nfrom wraptext import wrap\n\ndef test_exact():\n    assert wrap('aaa bbb', width=7) == ['aaa bbb']\n```"
    model = wrap_model(repro, lambda prompt: both)
    res = await solve_instance(inst, model=model, run_dir=tmp_path / "run", mode="scaled", k=2)
    assert "+            if current and current_len + needed > width:" in res.model_patch
    assert "fill_text" not in res.model_patch
    steps = [json.loads(line) for line in (tmp_path / "run" / "trajectory.jsonl").read_text().splitlines()]
    first = next(s for s in steps if s["stage"] == "patch")
    verdicts = {v["candidate_id"]: v for v in first["verdicts"]}
    smaller = [c for c in first["candidates"] if c["meta"].get("ablation")]
    assert smaller and all(c["parent"] for c in smaller)
    assert any(verdicts[c["id"]]["passed"] for c in smaller)
    assert all(verdicts[c["id"]]["details"]["regressions"] for c in first["candidates"]
               if not c["meta"].get("ablation") and c["id"] in verdicts)
    assert first["decision"]["action"] == "accept"
    # both samples made the same edit: the base commit, that edit once, and each smaller version; the
    # issue's example (agents/swe/example_probe.py) on the base commit and with each patch breaking no test
    probes = sum(v["details"].get("example", "none") != "none" for v in first["verdicts"])
    assert probes == 1 and first["spend"]["tool_calls"]["run_tests"] == 2 + len(smaller) + 1 + probes

    c = res.checks
    assert c["verified"] and c["score"] == 1.0 and c["fixed"] == c["reproductions"] >= 1
    assert c["regressions"] == [] and c["distrusted"] == []

    bon = await solve_instance(inst, model=model, run_dir=tmp_path / "bon", mode="best_of_n", k=2)
    assert "fill_text" in bon.model_patch
    assert bon.checks["verified"] and "tests/test_wrap.py::test_fill" in bon.checks["regressions"]


async def test_the_budget_line_ends_sampled_prompts_and_without_it_bigger_budgets_nest(wraptext, tmp_path):
    """The sampled patch prompts end with the budget line; the greedy first sample (and `--mode single`,
    which is that sample alone) has none and no generated test, so it is the same at every budget. With
    the plan setting `show_budget: false` no patch prompt depends on the budget: at two budgets the first
    round sends the same prompts with the same seeds (a bigger budget draws a smaller one's candidates)."""
    inst, src = wraptext
    prompts = []
    model, _ = scripted(src, wrong_first=False)
    respond = model._default

    def record(messages, params):
        if "which line causes the issue" in messages[-1]["content"]:
            prompts.append((params.temperature, params.seed, messages[0]["content"] + "\n" + messages[-1]["content"]))
        return respond(messages, params)

    async def first_round(budget, plan=None):
        prompts.clear()
        await solve_instance(inst, model=ScriptedModel(default=record), run_dir=tmp_path / f"{budget}-{bool(plan)}",
                             mode="best_of_n", k=4, budget=Budget.parse(budget), plan=plan)
        return list(prompts)

    shown = await first_round("tokens=16k,run_tests=16")
    sampled = [s for t, _, s in shown if t > 0]
    greedy = [s for t, _, s in shown if t == 0.0]
    assert sampled and all(s.splitlines()[-1].startswith("Budget left") and "Budget left" not in s.splitlines()[0]
                           for s in sampled)  # last: the system message and the issue stay a shared prefix
    assert greedy and all("Budget left" not in s and "reproduces the issue" not in s for s in greedy)
    assert any("reproduces the issue" in s for s in sampled)
    assert (await first_round("tokens=32k,run_tests=32"))[:len(shown)] != shown

    nested = {"stages": {"patch": {"settings": {"show_budget": False}}}}
    small = await first_round("tokens=16k,run_tests=16", nested)
    big = await first_round("tokens=32k,run_tests=32", nested)
    assert len(small) >= 2 and big[:len(small)] == small and all("Budget left" not in s for _, _, s in small)
    assert [s for t, _, s in small if t == 0.0] == greedy
    prompts.clear()
    await solve_instance(inst, model=ScriptedModel(default=record), run_dir=tmp_path / "single", mode="single")
    assert [s for _, _, s in prompts] == greedy[:1]


def test_a_reproduction_test_cut_off_by_the_output_cap_keeps_its_finished_tests():
    """A 1.5B model's test file ran past the cap ("'(' was never closed") and the stage kept no test
    at all (lrukit-1); the finished test functions are now kept."""
    from agents.swe.reproduce import Reproduce

    reply = ("```python\nfrom lrukit import lru_cached\n\n\ndef test_clear_resets_counts():\n"
             "    f = lru_cached(maxsize=4)(lambda x: x)\n    f(1); f(1)\n    f.cache_clear()\n"
             "    assert f.cache_info().hits == 0\n\n\ndef test_more():\n    assert f(cache_info(")
    code = Reproduce().parse(None, None, reply)
    assert "def test_clear_resets_counts" in code and "test_more" not in code
    with pytest.raises(ValueError, match="cut off before its first test"):
        Reproduce().parse(None, None, "```python\nimport lrukit\n\ndef test_a():\n    assert lrukit.f(")


async def test_search_replace_edits_for_strong_models(wraptext, tmp_path):
    """`edit_format="search_replace"` (for models that follow it): the model answers with SEARCH/
    REPLACE blocks under a loosely given path; the block is matched to wrap.py and the fix selected."""
    inst, _ = wraptext
    block = ("The comparison is off by one.\npath/to/wrap.py\n<<<<<<< SEARCH\n"
             "            if current and current_len + needed >= width:\n=======\n"
             "            if current and current_len + needed > width:\n>>>>>>> REPLACE\n")
    repro = "```python\nfrom wraptext import wrap\n\ndef test_exact():\n    assert wrap('aaa bbb', width=7) == ['aaa bbb']\n```"
    asked = []
    model = wrap_model(repro, lambda prompt: asked.append(prompt) or block, ask="SEARCH/REPLACE", fenced=False)
    res = await solve_instance(inst, model=model, run_dir=tmp_path / "run", mode="scaled", k=2,
                               edit_format="search_replace")
    assert asked
    assert "+            if current and current_len + needed > width:" in res.model_patch
    assert res.model_patch.count("\n+") == 1 + res.model_patch.count("\n+++")


async def test_a_patch_already_checked_is_not_run_again(wraptext, tmp_path):
    """Two samples making the same edit run the tests once; the second reuses the verdict and says
    which candidate ran (`same_as`)."""
    import json

    inst, src = wraptext
    repro = "```python\nfrom wraptext import wrap\n\ndef test_exact():\n    assert wrap('aaa bbb', width=7) == ['aaa bbb']\n```"
    fixed = src.replace("current_len + needed >= width", "current_len + needed > width")
    await solve_instance(inst, model=wrap_model(repro, lambda prompt: fixed), run_dir=tmp_path / "run",
                         mode="best_of_n", k=4)
    steps = [json.loads(line) for line in (tmp_path / "run" / "trajectory.jsonl").read_text().splitlines()]
    patch = next(s for s in steps if s["stage"] == "patch")
    ran = [v for v in patch["verdicts"] if v["details"]["same_as"] is None]
    reused = [v for v in patch["verdicts"] if v["details"]["same_as"] is not None]
    assert len(ran) == 1 and len(reused) >= 1
    assert all(v["score"] == ran[0]["score"] and v["details"]["same_as"] == ran[0]["candidate_id"] for v in reused)
    # the base commit's tests, then the one patch; the issue's example on the base commit and with it
    assert patch["spend"]["tool_calls"]["run_tests"] == 2 + 2


async def test_a_refinement_written_as_a_diff_of_the_previous_attempt_is_applied(wraptext, tmp_path):
    """Shown its previous attempt as a diff, a small model answers with a diff of that attempt
    (wrong line numbers, in a python fence). It is applied to the file as the attempt left it."""
    inst, src = wraptext
    wrong = src.replace("current_len + needed >= width", "current_len + needed >= width + 5")
    repro = "```python\nfrom wraptext import wrap\n\ndef test_exact():\n    assert wrap('aaa bbb', width=7) == ['aaa bbb']\n```"
    diff = ("The bound is wrong.\n```python\n--- a/wraptext/wrap.py\n+++ b/wraptext/wrap.py\n@@ -3,3 +3,3 @@\n"
            "             needed = len(piece) if not current else len(piece) + 1\n"
            "-            if current and current_len + needed >= width + 5:\n"
            "+            if current and current_len + needed > width:\n"
            "                 lines.append(prefix + \" \".join(current))\n```")
    model = wrap_model(repro, lambda prompt: wrong if "A previous fix attempt" not in prompt else None)
    respond = model._default

    def reply(messages, params):
        if "A previous fix attempt" in messages[-1]["content"]:
            return diff
        return respond(messages, params)

    res = await solve_instance(inst, model=ScriptedModel(default=reply), run_dir=tmp_path / "run", mode="scaled", k=2)
    assert "+            if current and current_len + needed > width:" in res.model_patch
    assert "width + 5" not in res.model_patch
