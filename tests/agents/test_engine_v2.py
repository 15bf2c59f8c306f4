"""Engine v2's step API through real `agents.graph.run` runs (LangGraph + SQLite run directory):
sample requests carry their plan to `parse`, `expand` adds verified variants, `ctx.memo` lasts
between steps, typed verdict details come back as their own class.

Budgets are in test_engine_v2_budgets.py, run.json settings in test_engine_v2_config.py, the memo
after a SIGKILL in test_engine_v2_resume.py.
"""
from __future__ import annotations

import json
from pathlib import Path

from pydantic import Field

from agents import (
    Candidate,
    Pipeline,
    RuleController,
    Runtime,
    Stage,
    Task,
    Verdict,
    run,
)
from agents.controllers import AcceptController
from agents.models.scripted import ScriptedModel
from agents.state import Details, SampleRequest, StepRecord


def echo(messages, params) -> str:
    return messages[-1]["content"]


def records(run_dir: Path) -> list[StepRecord]:
    return [StepRecord.model_validate_json(line) for line in (run_dir / "trajectory.jsonl").read_text().splitlines()]


class ScoreByLength:
    """Score = len(content) / 10, capped at 1 (so a longer variant beats its parent)."""

    async def verify(self, ctx, candidates):
        return [Verdict(candidate_id=c.id, score=min(1.0, len(str(c.content)) / 10), passed=len(str(c.content)) >= 10)
                for c in candidates if c.valid]


# ---- SampleRequest.plan reaches parse ---------------------------------------------------------------
class Planned(Stage):
    name = "planned"

    def __init__(self, **kw):
        super().__init__(controller=AcceptController(), **kw)
        self.sent: list[SampleRequest] = []
        self.parsed: list[tuple[int, str]] = []

    def requests(self, ctx):
        self.sent = [SampleRequest(messages=[{"role": "user", "content": f"edit {f}"}], params=self.params(ctx, n=n),
                                   plan={"file": f}) for f, n in (("a.py", 2), ("b.py", 1))]
        return self.sent

    def parse(self, ctx, request, text):
        self.parsed.append((id(request), text))
        assert request.plan is not None and text == f"edit {request.plan['file']}", (request.plan, text)
        return {"file": request.plan["file"], "text": text}


async def test_parse_receives_the_request_whose_plan_the_stage_set(tmp_path):
    stage = Planned()
    result = await run(Pipeline([stage]), Task(id="t"), Runtime(model=ScriptedModel(default=echo)),
                       run_dir=tmp_path / "r")
    # every reply was parsed with the very request object its call came from, in order
    ids = [id(r) for r in stage.sent]
    assert [i for i, _ in stage.parsed] == [ids[0], ids[0], ids[1]]
    rec = records(tmp_path / "r")[0]
    assert [c.content["file"] for c in rec.candidates] == ["a.py", "a.py", "b.py"]
    assert all(c.valid for c in rec.candidates) and result.status == "completed"


async def test_a_parse_failure_marks_only_that_candidate_invalid(tmp_path):
    class Picky(Planned):
        def parse(self, ctx, request, text):
            if request.plan["file"] == "b.py":
                raise ValueError("no edit for b")
            return super().parse(ctx, request, text)

    await run(Pipeline([Picky()]), Task(id="t"), Runtime(model=ScriptedModel(default=echo)), run_dir=tmp_path / "r")
    rec = records(tmp_path / "r")[0]
    assert [c.valid for c in rec.candidates] == [True, True, False]
    assert "no edit for b" in rec.candidates[2].error
    assert [v.candidate_id for v in rec.verdicts] == [c.id for c in rec.candidates[:2]]  # none for the invalid one
    assert rec.selection.winner in {c.id for c in rec.candidates[:2]}


# ---- expand -----------------------------------------------------------------------------------------
class Expanding(Stage):
    name = "expand"
    k = 2

    def __init__(self, **kw):
        super().__init__(verifier=ScoreByLength(), controller=AcceptController(), **kw)
        self.seen_verdicts: list[Verdict] = []

    def prompt(self, ctx):
        return [{"role": "user", "content": "go"}]

    async def expand(self, ctx, candidates, verdicts):
        self.seen_verdicts = list(verdicts)
        best = max(candidates, key=lambda c: len(str(c.content)))
        return [Candidate(content=str(best.content) + "-variant", parent=best.id),
                Candidate(content=None, error="an ablation that did not apply", parent=best.id)]


async def test_expand_variants_are_verified_selected_and_recorded(tmp_path):
    stage = Expanding()
    result = await run(Pipeline([stage]), Task(id="t"), Runtime(model=ScriptedModel(["abc", "abcd"])),
                       run_dir=tmp_path / "r")
    assert len(stage.seen_verdicts) == 2  # expand saw the verdicts of the sampled candidates
    rec = records(tmp_path / "r")[0]
    sources = [c.source for c in rec.candidates]
    assert sources == ["model", "model", "expand", "expand"]
    variant = rec.candidates[2]
    assert variant.parent == rec.candidates[1].id and variant.content == "abcd-variant"
    verdict = next(v for v in rec.verdicts if v.candidate_id == variant.id)
    assert verdict.score == 1.0                                   # verified like the others
    assert not any(v.candidate_id == rec.candidates[3].id for v in rec.verdicts)  # invalid: no verdict
    assert rec.selection.winner == variant.id and rec.selection.ranking[-1] == rec.candidates[3].id
    assert result.answer == "abcd-variant"
    line = json.loads((tmp_path / "r" / "trajectory.jsonl").read_text().splitlines()[0])
    assert [c["source"] for c in line["candidates"]].count("expand") == 2


async def test_a_broken_expand_fails_only_its_part_of_the_step(tmp_path):
    class Broken(Expanding):
        async def expand(self, ctx, candidates, verdicts):
            raise RuntimeError("ablation tool crashed")

    result = await run(Pipeline([Broken()]), Task(id="t"), Runtime(model=ScriptedModel(["abc", "abcd"])),
                       run_dir=tmp_path / "r")
    rec = records(tmp_path / "r")[0]
    assert [c.source for c in rec.candidates] == ["model", "model"]
    assert any("expand: RuntimeError" in e for e in rec.errors) and result.answer == "abcd"


# ---- memo -------------------------------------------------------------------------------------------
class Remembering(Stage):
    name = "memo"
    k = 1

    def __init__(self, **kw):
        super().__init__(verifier=ScoreByLength(),
                         controller=RuleController(accept_score=1.0, promising=0.0, max_digs=9, max_steps=3), **kw)
        self.seen: list[dict] = []

    def prompt(self, ctx):
        self.seen.append(json.loads(json.dumps(ctx.memo)))
        if ctx.step == 0:
            ctx.memo["baseline"] = {"t1": "passed"}
        ctx.memo.setdefault("steps", []).append(ctx.step)
        return [{"role": "user", "content": "x"}]


async def test_memo_written_in_step_0_is_visible_in_step_1(tmp_path):
    stage = Remembering()
    result = await run(Pipeline([stage]), Task(id="t"), Runtime(model=ScriptedModel(default="x")),
                       run_dir=tmp_path / "r")
    assert stage.seen[0] == {}
    assert stage.seen[1] == {"baseline": {"t1": "passed"}, "steps": [0]}
    assert stage.seen[2]["steps"] == [0, 1]
    assert result.stages["memo"].memo == {"baseline": {"t1": "passed"}, "steps": [0, 1, 2]}
    again = await run(Pipeline([Remembering()]), Task(id="t"), Runtime(model=ScriptedModel(default="x")),
                      run_dir=tmp_path / "r", resume=True)  # from the checkpoint
    assert again.stages["memo"].memo == result.stages["memo"].memo


# ---- typed details ----------------------------------------------------------------------------------
class FlavourDetails(Details):
    kind: str = "tests.engine_v2.flavour"
    flavour: str = ""
    lines: list[int] = Field(default_factory=list)


class Flavoured:
    async def verify(self, ctx, candidates):
        return [Verdict(candidate_id=c.id, score=0.5, details=FlavourDetails(
            flavour=f"step{ctx.step}", lines=[1, 2], tests={"t1": "passed", "t2": "skipped"}))
                for c in candidates if c.valid]


class SeesDetails(Stage):
    name = "typed"
    k = 1

    def __init__(self):
        super().__init__(verifier=Flavoured(),
                         controller=RuleController(accept_score=1.0, promising=0.0, max_digs=9, max_steps=2))
        self.history_types: list[str] = []

    def prompt(self, ctx):
        self.history_types += [type(v.details).__name__ for r in ctx.history for v in r.verdicts]
        return [{"role": "user", "content": "x"}]


async def test_typed_details_come_back_as_their_subclass(tmp_path):
    stage = SeesDetails()
    result = await run(Pipeline([stage]), Task(id="t"), Runtime(model=ScriptedModel(default="x")),
                       run_dir=tmp_path / "r")
    assert stage.history_types == ["FlavourDetails"]  # step 1 saw step 0's verdict typed
    for rec in records(tmp_path / "r"):               # read back from trajectory.jsonl
        d = rec.verdicts[0].details
        assert isinstance(d, FlavourDetails) and d.flavour == f"step{rec.step}" and d.lines == [1, 2]
        assert d.tests["t1"].passed and not d.tests["t2"].passed and not d.tests["t2"].failed
        assert d.pass_fraction() == 0.5
    best = result.stages["typed"].verdict.details      # from the graph state
    assert isinstance(best, FlavourDetails)
    resumed = await run(Pipeline([SeesDetails()]), Task(id="t"), Runtime(model=ScriptedModel(default="x")),
                        run_dir=tmp_path / "r", resume=True)  # from the SQLite checkpoint
    assert isinstance(resumed.stages["typed"].verdict.details, FlavourDetails)
    assert resumed.stages["typed"].verdict.details.flavour == best.flavour
    raw = json.loads((tmp_path / "r" / "result.json").read_text())
    assert raw["stages"]["typed"]["verdict"]["details"]["flavour"] == best.flavour  # not cut to the base fields


# ---- aggregate -----------------------------------------------------------------------------------
async def test_an_aggregator_merges_the_samples_and_the_samples_stay_in_the_trajectory(tmp_path):
    from agents.strategies import BordaMerge

    stage = Stage("vote", k=3, aggregator=BordaMerge(keep=2), controller=AcceptController())
    stage.prompt = lambda ctx: [{"role": "user", "content": "rank"}]
    stage.parse = lambda ctx, request, text: text.split()
    result = await run(Pipeline([stage]), Task(id="t"), Runtime(model=ScriptedModel(["a b", "b c", "b a"])),
                       run_dir=tmp_path / "r")
    rec = records(tmp_path / "r")[0]
    assert [s.content for s in rec.samples] == [["a", "b"], ["b", "c"], ["b", "a"]]
    assert [c.source for c in rec.candidates] == ["aggregate"] and rec.candidates[0].content == ["b", "a"]
    assert rec.selection.winner == rec.candidates[0].id and result.answer == ["b", "a"]


# ---- the Details registry (in a subprocess: a class definition changes the registry for good) -------


def _details_probe(body: str) -> str:
    import subprocess
    import sys

    code = "from agents.state import Details, Verdict\n" + body
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False,
                         cwd=Path(__file__).resolve().parents[2])
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_a_details_subclass_without_its_own_kind_does_not_take_over_generic_details():
    seen = _details_probe(
        "try:\n"
        "    class Extra(Details):\n"
        "        extra: int = 0\n"
        "except TypeError:\n"
        "    pass\n"
        "v = Verdict.model_validate_json(Verdict(candidate_id='a').model_dump_json())\n"
        "print(type(v.details).__name__)\n")
    assert seen == "Details"


def test_two_details_subclasses_cannot_share_a_kind():
    seen = _details_probe(
        "class A(Details):\n"
        "    kind: str = 'dup'\n"
        "    a: int = 1\n"
        "try:\n"
        "    class B(Details):\n"
        "        kind: str = 'dup'\n"
        "        b: int = 2\n"
        "except TypeError:\n"
        "    print('refused'); raise SystemExit\n"
        "d = Verdict.model_validate({'candidate_id': 'x', 'details': A(a=5).model_dump()}).details\n"
        "print(type(d).__name__, getattr(d, 'a', None))\n")
    assert seen in ("refused", "A 5")
