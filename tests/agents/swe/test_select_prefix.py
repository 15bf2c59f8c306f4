"""Issue 16: the SWE select stage's judge starts with the patch stage's latest prompt, exactly, so a
local model whose KV cache still holds it prefills only the judge's own message (agents/models/
prefix.py keeps every whole message a prompt shares with the last one). A judge the budget cannot pay
for with that lead asks without it; with no patch prompt kept, the judge asks with its own prompt."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from agents.context import StepContext
from agents.models.scripted import ScriptedModel
from agents.runtime import Runtime
from agents.state import Candidate, StageResult, StepRecord, Task, Verdict
from agents.strategies.judge import LEAD_MEMO
from agents.swe.patch import LAST_PROMPT, Patch
from agents.swe.select import Select
from budgets import Budget

ISSUE = "parse_row('a,\"b,c\"') returns ['a', '\"b', 'c\"']: the quoted field is split at its comma. " * 8
SMALL = "def parse_row(line):\n    return line.split(',')\n\n\ndef join_row(fields):\n    return ','.join(fields)\n"
BIG = "".join(f"def helper_{i}(x):\n    return x + {i}\n\n\n" for i in range(40)) + SMALL
REPRO = "from csvfix import parse_row\n\n\ndef test_quoted():\n    assert parse_row('a,\"b,c\"') == ['a', 'b,c']\n"


def respond(messages, params):
    """Patch prompts: an edit of the file shown; the judge: the edit of big.py, wherever it is listed."""
    user = messages[-1]["content"]
    if "Which candidate is best" in user:
        listed = re.findall(r"### Candidate \d+\n(.*?)(?=\n### Candidate |\Z)", user, re.S)
        return '{"best": %d}' % next(i for i, text in enumerate(listed) if "big.py" in text)
    name, code = ("csvfix.py", SMALL) if "File csvfix.py" in user else ("big.py", BIG)
    return "Line 2 must keep quoted commas.\n```python\n" + code.replace("split(',')", f"split(',', {len(name)})") + "```"


def _ctx(tmp_path: Path, stage, records: list[StepRecord], results: dict, model: ScriptedModel,
         budget: Budget | None = None, memo: dict | None = None) -> StepContext:
    rt = Runtime(model=model, budget=budget)
    result = StageResult(stage=stage.name)
    result.memo.update(memo or {})
    task = Task(id="csv-1", input={"workdir": str(tmp_path), "problem_statement": ISSUE})
    return StepContext(task=task, stage=stage, runtime=rt, tracker=rt.tracker, results=results, history=[],
                       records=records, result=result, step=0, mode="sample")


@pytest.fixture
def run(tmp_path: Path):
    """A patch step (k=4 over two files) sampled by the patch stage itself, then a select context
    after it: (select ctx, the model's calls so far)."""
    (tmp_path / "csvfix.py").write_text(SMALL)
    (tmp_path / "big.py").write_text(BIG)
    test = Candidate(content=REPRO)
    repro = StepRecord(stage="reproduce", step=0, mode="sample", candidates=[test],
                       verdicts=[Verdict(candidate_id=test.id, score=1.0, passed=True)])
    located = Candidate(content={"files": ["csvfix.py", "big.py"], "functions": {}})
    results = {"localize": StageResult(stage="localize", best=located, verdict=Verdict(candidate_id=located.id))}

    async def make(model: ScriptedModel, budget: Budget | None = None, memo: dict | None = None,
                   keep_prompt: bool = True) -> StepContext:
        patch = Patch(k=4, spread=2)
        pctx = _ctx(tmp_path, patch, [repro], results, model)
        cands = await patch.propose(pctx)
        assert len({c.key for c in cands if c.valid}) == 2, [c.error for c in cands]
        if not keep_prompt:  # a run checkpointed before the patch stage kept its prompt
            pctx.result.memo.pop(LAST_PROMPT)
        rec = StepRecord(stage="patch", step=0, mode="sample", candidates=cands,
                         verdicts=[Verdict(candidate_id=c.id, score=0.5) for c in cands])
        return _ctx(tmp_path, Select(), [repro, rec], results | {"patch": pctx.result}, model, budget, memo)
    return make


async def _select(ctx: StepContext):
    stage = ctx.stage
    cands = await stage.propose(ctx)
    return cands, await stage._select(ctx, cands, await stage.verifier.verify(ctx, cands))


async def test_the_judge_starts_with_the_last_patch_prompt_exactly(run):
    model = ScriptedModel(default=respond)
    ctx = await run(model)
    cands, sel = await _select(ctx)
    assert sel.winner == cands[1].id and "judge" in sel.strategy  # the tie went to the judge
    *patch_calls, judge, again = model.calls  # the judge lists the tied patches twice (order swapped)
    last = patch_calls[-1]["messages"]
    assert "Budget left" in last[-1]["content"]  # the sampled prompt for big.py, the last one sent
    for call in (judge, again):
        assert call["messages"][:-1] == last and len(call["messages"]) == len(last) + 1
        assert "Which candidate is best" in call["messages"][-1]["content"]
    assert judge["messages"][-1] != again["messages"][-1] and "the same pick with the order reversed" in sel.reason
    assert ctx.memo[LEAD_MEMO] == last  # checkpointed with the stage's result


async def test_without_a_kept_patch_prompt_the_judge_uses_its_own_prompt(run):
    """A run checkpointed before the patch stage kept its prompt; a lead the select memo held from
    before is dropped."""
    model = ScriptedModel(default=respond)
    ctx = await run(model, memo={LEAD_MEMO: [{"role": "user", "content": "stale"}]}, keep_prompt=False)
    cands, sel = await _select(ctx)
    assert sel.winner == cands[1].id and LEAD_MEMO not in ctx.memo
    sent = model.calls[-1]["messages"]
    assert len(sent) == 2 and "strict judge" in sent[0]["content"] and ISSUE in sent[0]["content"]


async def test_a_judge_the_budget_cannot_pay_with_the_lead_asks_without_it(run):
    model = ScriptedModel(default=respond)
    probe = await run(model)
    cands = await probe.stage.propose(probe)
    listing = "\n\n".join(f"### Candidate {i}\n{str(c.content)[:2000]}" for i, c in enumerate(cands))
    with_lead = model.count_tokens_upper_bound(probe.stage.strategy.judge.messages(probe, listing))
    probe.memo.pop(LEAD_MEMO)
    alone = model.count_tokens_upper_bound(probe.stage.strategy.judge.messages(probe, listing))
    assert with_lead > alone + 1000
    model = ScriptedModel(default=respond)
    ctx = await run(model, budget=Budget(tokens=alone + 128 + 200))  # the judge fits only without the lead
    cands, sel = await _select(ctx)
    assert sel.winner == cands[1].id and "judge" in sel.strategy and LEAD_MEMO not in ctx.memo
    assert len(model.calls[-1]["messages"]) == 2  # asked without the lead


@pytest.mark.slow
async def test_on_the_local_model_the_judge_prefills_only_its_own_message(tmp_path, monkeypatch):
    """End to end on smollm2: after a patch call, the judge call keeps all but a few tokens of the
    patch prompt in llama's KV cache (exact mode)."""
    from agents.models import get_model, prefix
    from agents.models.base import GenerationParams
    from agents.models.local import _load
    from agents.strategies import LLMJudge

    monkeypatch.setenv("SCALEAGENT_LLAMA_THREADS", "1")
    model = get_model("local/smollm2-135m")
    (tmp_path / "big.py").write_text(BIG)
    plan = dict(file="big.py", function=None, format="file", source=BIG, code=BIG, plain=True)
    patch = Patch()
    pctx = _ctx(tmp_path, patch, [], {}, model)
    messages = patch.prompt_for(pctx, type("R", (), {"plan": plan})())
    await model.complete(messages, GenerationParams(max_tokens=4, temperature=0.0))
    reuse = prefix.install(_load(model.path, model.n_ctx, model.n_threads)[0])
    patch_tokens = reuse.reused + reuse.prefilled
    ctx = _ctx(tmp_path, Select(), [], {"patch": pctx.result}, model)
    cands = [Candidate(content={"patch": f"-x\n+y{i}\n"}) for i in range(2)]
    ctx.memo[LEAD_MEMO] = pctx.result.memo[LAST_PROMPT]
    await LLMJudge().select(ctx, cands, [])
    assert patch_tokens > 600 and reuse.reused >= patch_tokens - 8, (patch_tokens, reuse.reused, reuse.prefilled)
    assert reuse.prefilled < patch_tokens / 2
