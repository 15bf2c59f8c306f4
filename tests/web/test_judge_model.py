"""EvidenceVerifier.judge_model: a second model reads the page's passage behind every answer about to
verify; its "no" stands, its "yes" or silence leaves the verdict as the rules gave it. The judge is
asked once per answer and passage in a step, on the model named, with the passage, not the quote."""
import asyncio

from agents.state import Candidate
from agents.web.verify import EvidenceVerifier
from budgets import BudgetExceeded

from test_passage_support import CMDLINE, Q_PATH, _Ctx


class _JudgeCtx(_Ctx):
    def __init__(self, question, text, says):
        super().__init__(question, text)
        self.says, self.asked = says, []

    async def generate(self, messages, params, *, model=None, purpose="sample"):
        self.asked.append((model, purpose, messages[-1]["content"]))
        if isinstance(self.says, Exception):
            raise self.says
        return [self.says]


def _run(says, answers=(("PYTHONPATH", "Augment the default search path for module files"),)):
    ctx = _JudgeCtx(Q_PATH, CMDLINE, says)
    cands = [Candidate(content={"tool": "answer", "answer": a, "source": "http://127.0.0.1/p", "quote": q})
             for a, q in answers]
    verdicts = asyncio.run(EvidenceVerifier(judge=False, judge_model="local/judge").verify(ctx, cands))
    return verdicts, ctx


def test_the_judges_no_stands_and_says_why():
    (v,), ctx = _run("No.")
    assert not v.passed and v.details.judge is False and "says it does not answer" in v.feedback
    (unjudged,), _ = _run("no", answers=(("PYTHONHOME", "Change the location of the standard Python libraries"),))
    assert v.score < unjudged.score  # the best answer so far is one no judge turned down
    model, purpose, prompt = ctx.asked[0]
    assert (model, purpose) == ("local/judge", "judge")
    assert "Documentation:" in prompt and "PYTHONPATH" in prompt and "Augment the default search path" in prompt


def test_a_yes_or_an_unclear_reply_keeps_the_rules_verdict():
    for says in ("Yes, it does.", "", "maybe"):
        (v,), _ = _run(says)
        assert v.passed, says
    (v,), _ = _run(BudgetExceeded("tokens: 5 left, the judge needs 10", dimension="tokens"))  # the budget cannot pay for the judge: not judged
    assert v.passed and v.details.judge is None


def test_only_answers_about_to_verify_are_judged_and_each_once():
    sentence = "Augment the default search path for module files"
    verdicts, ctx = _run("yes", answers=(("PYTHONPATH", sentence), ("pythonpath", sentence + "."),
                                         ("PYTHONHOME", "Change the location of the standard Python libraries")))
    assert [v.passed for v in verdicts] == [True, True, False]
    assert len(ctx.asked) == 1  # the same answer and passage; PYTHONHOME fails the rules, never asked


def test_without_a_judge_model_nothing_is_asked():
    ctx = _JudgeCtx(Q_PATH, CMDLINE, "no")
    c = Candidate(content={"tool": "answer", "answer": "PYTHONPATH", "source": "http://127.0.0.1/p",
                           "quote": "Augment the default search path for module files"})
    (v,) = asyncio.run(EvidenceVerifier(judge=False).verify(ctx, [c]))
    assert v.passed and ctx.asked == []
