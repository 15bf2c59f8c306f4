"""A patch reply that is no edit of the code (the file unchanged, the issue's example written back, no
code block, code that does not parse) gets one follow-up turn that says what was wrong
(`agents.swe.patch_reask`, the engine's `Stage.follow_up` hook), after the step's samples and from what
they left; at most `reask` a step (0 by default), none for a reply that is an edit, none when the budget cannot pay."""
from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from agents.context import StepContext
from agents.models.scripted import ScriptedModel
from agents.runtime import Runtime
from agents.stage import Stage
from agents.state import Candidate, SampleRequest, StageResult, Task
from agents.swe.patch import Patch
from agents.swe.patch_reask import reask_note, reask_request
from tools.edits import EditError, rewrite_file, rewrite_function
from budgets import Budget
from budgets.plan import Plan

ISSUE = "parse_row('a,\"b,c\"') returns ['a', '\"b', 'c\"']: the quoted field is split at its comma."
SRC = "".join(f"def helper_{i}(x):\n    return x + {i}\n\n\n" for i in range(5)) + \
    "def parse_row(line):\n    return line.split(',')\n"
FIXED = SRC.replace("line.split(',')", "next(csv.reader([line]))").replace("def helper_0", "import csv\n\n\ndef helper_0")
EXAMPLE = "```python\nfrom csvfix import parse_row\nprint(parse_row('a,\"b,c\"'))\n```"
FILE_PLAN = {"file": "csvfix.py", "function": None, "format": "file"}


def _ctx(tmp_path: Path, stage: Stage, model: ScriptedModel, budget: Budget | None = None) -> StepContext:
    (tmp_path / "csvfix.py").write_text(SRC)
    rt = Runtime(model=model, budget=budget)
    located = Candidate(content={"files": ["csvfix.py"], "functions": {}})
    results = {"localize": StageResult(stage="localize", best=located)}
    task = Task(id="csv-1", input={"workdir": str(tmp_path), "problem_statement": ISSUE})
    return StepContext(task=task, stage=stage, runtime=rt, tracker=rt.tracker, results=results, history=[],
                       records=[], result=StageResult(stage=stage.name), step=0, mode="sample")


def _error(call, *args) -> str:
    """The candidate error (`agents.context.StepContext.sample`'s form) that `tools.edits` raises for a
    reply: the notes read these messages, so they are taken from the code that writes them."""
    with pytest.raises(EditError) as e:
        call(*args)
    return f"{type(e.value).__name__}: {e.value}"


def test_the_note_names_what_was_wrong_with_the_reply():
    unchanged = reask_note("EditError: the reply changes nothing", FILE_PLAN)  # Patch.parse's own (tested below)
    assert "csvfix.py exactly as it was" in unchanged and "complete corrected file csvfix.py" in unchanged
    src31 = "".join(f"X_{i} = {i}\n" for i in range(31))
    short = reask_note(_error(rewrite_file, src31, "```python\na = 1\nb = 2\nc = 3\n```"), FILE_PLAN)
    assert "3 lines but csvfix.py has 31" in short and "example" in short
    bad = "```python\n" + "".join(f"X_{i} = {i}\n" for i in range(3)) + "d = (\n" + "Y = 1\n" * 20 + "```"
    broken = reask_note(_error(rewrite_file, src31, bad), FILE_PLAN)
    assert "could not be applied: the edited code does not parse: line 4" in broken
    fn = reask_note(_error(rewrite_file, SRC, "Sorry, ``` nothing"),
                    {**FILE_PLAN, "function": "Row.parse", "format": "function"})
    assert "no code to apply" in fn and "corrected `parse`" in fn
    assert reask_note("ValueError: something else entirely", FILE_PLAN) is None
    missing = _error(rewrite_function, SRC, "Row.parse", "```python\ndef parse(self):\n    pass\n```")
    assert reask_note(missing, FILE_PLAN) is None  # the localized function is not in the file: not the reply's
    assert "SEARCH text not found in csvfix.py" in reask_note("EditError: SEARCH text not found in csvfix.py",
                                                              {**FILE_PLAN, "format": "search_replace"})


async def test_an_unchanged_file_is_asked_again_once_and_its_answer_is_a_candidate(tmp_path: Path):
    replies = iter([f"Line 22 splits quoted fields.\n```python\n{SRC}```",   # greedy: the file unchanged
                    f"Use csv.\n```python\n{SRC}```",                         # the sample: unchanged too
                    f"Use csv.\n```python\n{FIXED}```"])                      # the greedy one's follow-up: the fix
    model = ScriptedModel(default=lambda messages, params: next(replies))
    patch = Patch(k=2, spread=1, reask=1)
    ctx = _ctx(tmp_path, patch, model)
    cands = await patch.propose(ctx)
    assert [c.valid for c in cands] == [False, False, True]  # the step's two samples, then the follow-up
    first, again = cands[0], cands[2]
    assert "changes nothing" in first.error
    assert again.parent == first.id and again.meta["follow_up_of"] == first.id
    assert "csv.reader" in again.content["patch"]
    follow = model.calls[2]["messages"]
    assert follow[:-2] == model.calls[0]["messages"]  # the same conversation, then the reply and the note
    assert follow[-2] == {"role": "assistant", "content": first.text}
    assert "exactly as it was" in follow[-1]["content"]
    assert model.calls[2]["params"]["temperature"] == 0.0 and model.calls[2]["params"]["n"] == 1
    assert len(model.calls) == 3  # `reask` = 1: the sample's unchanged reply is not asked again


async def test_a_usable_reply_and_the_default_get_no_second_turn(tmp_path: Path):
    model = ScriptedModel(default=lambda messages, params: f"Use csv.\n```python\n{FIXED}```")
    patch = Patch(k=2, spread=1, reask=1)
    cands = await patch.propose(_ctx(tmp_path, patch, model))
    assert len(model.calls) == 2 and all(c.valid for c in cands)
    model = ScriptedModel(default=lambda messages, params: EXAMPLE)
    patch = Patch(k=2, spread=1)  # reask is 0 by default (measured: see agents.swe.patch_reask)
    cands = await patch.propose(_ctx(tmp_path, patch, model))
    assert len(model.calls) == 2 and not any(c.valid for c in cands)
    assert "reask" in patch.config() and patch.config()["reask"] == 0
    pipe = SimpleNamespace(stages=[patch])
    Plan.from_data({"stages": {"patch": {"settings": {"reask": 1}}}}).apply(pipe)  # a plan turns it on
    assert patch.reask == 1 and patch.config()["reask"] == 1


async def test_a_follow_up_the_budget_cannot_pay_for_keeps_the_samples_drawn(tmp_path: Path):
    """The follow-up's prompt is the first one plus a reply: a budget that paid for the first call
    only refuses it, and the step keeps the reply it has."""
    def same(messages, params):
        return f"Same.\n```python\n{SRC}```"

    patch = Patch(k=1, spread=1, reask=1)
    unbounded = ScriptedModel(default=same)
    free = _ctx(tmp_path, patch, unbounded)
    await patch.propose(free)
    assert len(unbounded.calls) == 2  # no budget: the follow-up runs
    model = ScriptedModel(default=same)
    request = patch.requests(free)[0]
    need = model.count_tokens_upper_bound(patch.prompt(free, request.plan)) + request.params.max_tokens
    ctx = _ctx(tmp_path, patch, model, Budget(tokens=need + 10))
    cands = await patch.propose(ctx)
    assert len(cands) == 1 and "changes nothing" in cands[0].error
    assert len(model.calls) == 1 and "follow-up of" in " ".join(ctx.errors) and ctx.out_of_budget is None


async def test_a_follow_up_never_takes_a_samples_place(tmp_path: Path):
    """After the plain attempt, the budget could pay for its follow-up or for the sample, not both:
    the sample is drawn (as without follow-ups) and the follow-up is skipped."""
    def reply(messages, params):
        return f"Same.\n```python\n{SRC}```" if params.temperature == 0.0 else f"Fix.\n```python\n{FIXED}```"

    one = Patch(k=1, spread=1, reask=0)  # the plain attempt alone: what it spends, and its reply
    probe = _ctx(tmp_path, one, ScriptedModel(default=reply))
    (plain,) = await one.propose(probe)
    spent = probe.runtime.tracker.spent
    request = one.requests(probe)[0]
    request = request.model_copy(update={"messages": one.prompt(probe, request.plan)})
    again = reask_request(request, plain)
    model = ScriptedModel(default=reply)
    follow_need = model.count_tokens_upper_bound(again.messages) + again.params.min_tokens
    patch = Patch(k=2, spread=1, reask=1, show_budget=False)
    ctx = _ctx(tmp_path, patch, model, Budget(tokens=spent.input_tokens + spent.output_tokens + follow_need + 10))
    cands = await patch.propose(ctx)
    assert [c.valid for c in cands] == [False, True] and "csv.reader" in cands[1].content["patch"]
    assert [c["params"]["temperature"] for c in model.calls] == [0.0, 0.8]
    assert "follow-up of" in " ".join(ctx.errors)


async def test_the_engine_hook_default_asks_nothing_again(tmp_path: Path):
    class Echo(Stage):
        name, k = "echo", 2

        def prompt(self, ctx):
            return [{"role": "user", "content": "say x"}]

        def parse(self, ctx, request, text):
            raise ValueError("never usable")

    model = ScriptedModel(default=lambda messages, params: "x")
    stage = Echo()
    cands = await stage.propose(_ctx(tmp_path, stage, model))
    assert len(cands) == 2 and len(model.calls) == 1
    assert stage.follow_up(None, SampleRequest(), cands[0]) is None


@pytest.mark.slow
async def test_a_local_model_solve_with_follow_ups_records_them(wraptext, tmp_path: Path):
    """End to end on the embedded local model (greedy, so the same replies every run): with the plan
    setting on, every patch reply that is no edit and left budget behind is answered by a follow-up
    recorded as its child; an edit gets none."""
    from agents.swe import solve_instance

    inst, _ = wraptext
    plan = Plan.from_data({"stages": {"patch": {"k": 1, "settings": {"reask": 1}}}})
    await solve_instance(inst, model="local/smollm2-135m", run_dir=tmp_path / "run", mode="best_of_n", k=1,
                         budget=Budget(tokens=8000, tools={"run_tests": 6}), plan=plan, sandbox="local")
    rows = [json.loads(line) for line in (tmp_path / "run" / "trajectory.jsonl").read_text().splitlines()]
    cands = [c for r in rows if r["stage"] == "patch" for c in r["candidates"] if c["source"] == "model"]
    follow = [c for c in cands if c["meta"].get("follow_up_of")]
    first = [c for c in cands if not c["meta"].get("follow_up_of")]
    assert first, "the patch stage drew no reply"
    assert follow, "no reply got a follow-up: the test would check nothing (the 135M model's greedy reply is no edit)"
    by_id = {c["id"]: c for c in cands}
    for c in follow:  # each answers a reply of the same stage that was no edit
        assert by_id[c["meta"]["follow_up_of"]]["error"] and c["parent"] == c["meta"]["follow_up_of"]
    skipped = " ".join(e for r in rows if r["stage"] == "patch" for e in r["errors"])
    for c in first:
        if c["error"]:  # no edit: a follow-up, or the budget said why not
            assert any(f["meta"]["follow_up_of"] == c["id"] for f in follow) or f"follow-up of {c['id']}" in skipped
        else:
            assert not any(f["meta"]["follow_up_of"] == c["id"] for f in follow)
