"""The LLM judge's prompt puts what stays the same first, so consecutive prompts share a long prefix
(agents/strategies/judge.py): the KV cache of a local model or vLLM's prefix cache then reuses it."""
from agents.context import StepContext
from agents.models.scripted import ScriptedModel
from agents.runtime import Runtime
from agents.stage import Stage
from agents.state import Candidate, StageResult, Task
from agents.strategies import LLMJudge
from agents.strategies.judge import LEAD_MEMO

ISSUE = "Fix the parser: " + "it drops the last field of a quoted CSV line. " * 40


def chatml(messages: list[dict]) -> str:
    """The prompt as a ChatML model sees it (the local models' template)."""
    return "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in messages)


def shared(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def context(model: ScriptedModel, memo: dict | None = None) -> StepContext:
    rt = Runtime(model=model)
    result = StageResult(stage="select")
    result.memo.update(memo or {})
    return StepContext(task=Task(id="t", input={"problem_statement": ISSUE}), stage=Stage("select"), runtime=rt,
                       tracker=rt.tracker, results={}, history=[], result=result, step=0, mode="sample")


def patches(n: int) -> list[Candidate]:
    return [Candidate(content=f"--- a/csv.py\n+++ b/csv.py\n@@ -{i} +{i} @@\n-    old_{i}\n+    new_{i}\n" * 6,
                      finish_order=i + 1) for i in range(n)]


async def test_two_consecutive_judge_prompts_share_the_task_and_the_candidates_they_have_in_common() -> None:
    model = ScriptedModel(default='{"best": 0}')
    judge = LLMJudge(criteria="fixing the issue")
    await judge.select(context(model), patches(2), [])
    await judge.select(context(model), patches(3), [])  # a later round: one more candidate
    first, second = (chatml(c["messages"]) for c in model.calls)
    listing = "\n\n".join(f"### Candidate {i}\n{c.content}" for i, c in enumerate(patches(2)))
    assert first.index(ISSUE) < first.index(listing)  # the task before the candidates
    assert shared(first, second) >= first.index(listing) + len(listing)  # all of both candidates shared
    assert model.calls[0]["messages"][0] == model.calls[1]["messages"][0]  # one system message, same tokens
    assert "Which candidate is best" in first[first.index(listing):]  # the question after what is shared


async def test_a_stage_s_generation_prompt_leads_the_judge_prompt() -> None:
    lead = [{"role": "system", "content": "You fix bugs in Python repositories."},
            {"role": "user", "content": f"Issue:\n{ISSUE}\n\nCode:\n" + "def parse(line):\n    ...\n" * 50}]
    model = ScriptedModel(default='{"best": 1}')
    sel = await LLMJudge().select(context(model, {LEAD_MEMO: lead}), cands := patches(2), [])
    sent = model.calls[0]["messages"]
    assert sent[:2] == lead and len(sent) == 3 and sent[2]["role"] == "user"  # the whole prompt is shared
    assert "### Candidate 1" in sent[2]["content"] and '"best"' in sent[2]["content"]
    assert sel.winner == cands[1].id
