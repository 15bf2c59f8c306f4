"""Issue 16: the SWE select stage's judge starts with the head of the patch stage's prompt (system
message, issue, reproduction test, code), so a local model whose KV cache still holds the last patch
prompt reuses that prefill (agents/models/prefix.py keeps the whole messages and 512-token blocks
it shares). Without a patch prompt to rebuild, the judge asks with its own prompt."""
from __future__ import annotations

from pathlib import Path

import pytest

from agents.context import StepContext
from agents.models.scripted import ScriptedModel
from agents.runtime import Runtime
from agents.state import Candidate, Details, StageResult, StepRecord, Task, Verdict
from agents.strategies.judge import LEAD_MEMO
from agents.swe.checks import REPRO_DIR
from agents.swe.patch import Patch, prompt_head
from agents.swe.select import Select

ISSUE = "parse_row('a,\"b,c\"') returns ['a', '\"b', 'c\"']: the quoted field is split at its comma. " * 8
SMALL = "def parse_row(line):\n    return line.split(',')\n\n\ndef join_row(fields):\n    return ','.join(fields)\n"
BIG = "".join(f"def helper_{i}(x):\n    return x + {i}\n\n\n" for i in range(40)) + SMALL
REPRO = "from csvfix import parse_row\n\n\ndef test_quoted():\n    assert parse_row('a,\"b,c\"') == ['a', 'b,c']\n"
OTHER_REPRO = "from csvfix import parse_row\n\n\ndef test_plain():\n    assert parse_row('a,b') == ['a', 'b']\n"


def _repro_record() -> StepRecord:
    tests = [Candidate(content=REPRO), Candidate(content=OTHER_REPRO)]
    return StepRecord(stage="reproduce", step=0, mode="sample", candidates=tests,
                      verdicts=[Verdict(candidate_id=c.id, score=1.0, passed=True) for c in tests])


def _patch_record(step: int, contents: list[dict], distrusted: list[str] = ()) -> StepRecord:
    cands = [Candidate(content=c, key=c["patch"]) for c in contents]
    return StepRecord(stage="patch", step=step, mode="sample" if step == 0 else "refine", candidates=cands,
                      verdicts=[Verdict(candidate_id=c.id, score=0.5, details=Details(distrusted=list(distrusted)))
                                for c in cands])


def _patch(rel: str, n: int, fmt: str = "file", function: str | None = None) -> dict:
    return {"file": rel, "function": function, "format": fmt, "patch": f"--- a/{rel}\n+++ b/{rel}\n@@ -1 +1 @@\n-x\n+y{n}\n"}


def _ctx(tmp_path: Path, stage: str, records: list[StepRecord], model: ScriptedModel | None = None,
         memo: dict | None = None) -> StepContext:
    rt = Runtime(model=model or ScriptedModel(default='{"best": 1}'))
    result = StageResult(stage=stage)
    result.memo.update(memo or {})
    task = Task(id="csv-1", input={"workdir": str(tmp_path), "problem_statement": ISSUE})
    return StepContext(task=task, stage=Patch() if stage == "patch" else Select(), runtime=rt, tracker=rt.tracker,
                       results={}, history=[], records=records, result=result, step=0, mode="sample")


async def _judge(ctx: StepContext) -> list[dict]:
    """Run the select stage's propose, verify and select on ctx; the judge's messages."""
    stage = Select()
    cands = await stage.propose(ctx)
    sel = await stage.strategy.select(ctx, cands, await stage.verifier.verify(ctx, cands))
    assert sel.winner == cands[1].id and "judge" in sel.strategy  # the tie went to the judge, who chose 1
    (call,) = ctx.runtime.model(None).calls
    return call["messages"]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "csvfix.py").write_text(SMALL)
    (tmp_path / "big.py").write_text(BIG)
    return tmp_path


async def test_the_judge_starts_with_the_last_patch_prompts_system_issue_test_and_file(repo):
    records = [_repro_record(), _patch_record(0, [_patch("big.py", 0), _patch("csvfix.py", 1), _patch("csvfix.py", 2)])]
    sent = await _judge(_ctx(repo, "select", records))
    # the patch stage's sampled prompt for csvfix.py (the last sample's target), built by the stage itself
    plan = dict(file="csvfix.py", function=None, format="file", source=SMALL, code=SMALL, plain=False)
    patch_prompt = Patch().prompt(_ctx(repo, "patch", records[:1]), plan)
    assert sent[0] == patch_prompt[0]
    head = sent[1]["content"]
    assert patch_prompt[1]["content"].startswith(head) and len(sent) == 3
    assert ISSUE in head and REPRO in head and head.endswith(f"```python\n{SMALL}\n```\n")
    assert "Which candidate is best" in sent[2]["content"] and "### Candidate 1" in sent[2]["content"]


async def test_a_function_target_and_tests_distrusted_before_the_last_step(repo):
    first = _repro_record()
    bad = f"{REPRO_DIR}/test_repro_0_0.py"  # the path kept_tests gives the first reproduction test
    records = [first, _patch_record(0, [_patch("big.py", 0, "function", "parse_row")], distrusted=[bad]),
               _patch_record(1, [_patch("big.py", 1, "function", "parse_row"), _patch("big.py", 2, "function", "parse_row")],
                             distrusted=[bad.replace("_0_0", "_0_1")])]
    ctx = _ctx(repo, "select", records)
    sent = await _judge(ctx)
    # what the refinement step's prompt showed: the second test (the first was distrusted at step 0;
    # the second only after it), the function's code, not the whole file
    assert OTHER_REPRO in sent[1]["content"] and REPRO not in sent[1]["content"]
    assert sent[1]["content"].endswith("File big.py contains:\n```python\n" + SMALL.split("\n\n\n")[0] + "\n```\n")
    assert ctx.memo[LEAD_MEMO] == sent[:2]  # checkpointed with the stage's result


@pytest.mark.parametrize("fmt,function", [("file", None), ("function", "parse_row"), ("search_replace", None)])
@pytest.mark.parametrize("plain", [True, False])
@pytest.mark.parametrize("mode", ["sample", "refine", "pivot"])
def test_the_head_is_a_prefix_of_every_patch_prompt(repo, fmt, function, plain, mode):
    ctx = _ctx(repo, "patch", [_repro_record()])
    ctx.mode = mode
    if mode == "refine":
        best = Candidate(content=_patch("big.py", 0, fmt, function))
        ctx.result.best, ctx.result.verdict = best, Verdict(candidate_id=best.id, feedback="test_quoted fails")
    code = SMALL.split("\n\n\n")[0] + "\n" if fmt == "function" else BIG
    plan = dict(file="big.py", function=function, format=fmt, source=BIG, code=code, plain=plain)
    head = prompt_head(ctx, plan, plain=plain)
    prompt = Patch().prompt(ctx, plan)
    assert head[0] == prompt[0] and prompt[1]["content"].startswith(head[1]["content"])
    assert code in head[1]["content"] and (REPRO in head[1]["content"]) is not plain


async def test_without_a_patch_prompt_to_rebuild_the_judge_uses_its_own_prompt(repo):
    """A resumed run whose source tree is gone, or a last step with no valid sample: no lead, and a
    lead the stage's memo kept from before is dropped."""
    records = [_repro_record(), _patch_record(0, [_patch("gone.py", 0), _patch("gone.py", 1)])]
    ctx = _ctx(repo, "select", records, memo={LEAD_MEMO: [{"role": "user", "content": "stale"}]})
    sent = await _judge(ctx)
    assert LEAD_MEMO not in ctx.memo and len(sent) == 2 and "strict judge" in sent[0]["content"]
    assert ISSUE in sent[0]["content"] and "### Candidate 1" in sent[1]["content"]
