"""EvidenceVerifier.judge_model: a second model reads the page's passage behind every answer about to
verify; its "no" stands, its "yes" or silence leaves the verdict as the rules gave it. The judge is
asked once per answer and passage in a step, on the model named, with the passage, not the quote. A
first answer its yes accepts is also put to its own reading while the controller can pay to confirm it."""
import asyncio

from agents.state import Candidate
from agents.web.support import agrees
from agents.web.verify import EvidenceVerifier
from budgets import BudgetExceeded

from test_passage_support import CMDLINE, Q_PATH, _Ctx


class _JudgeCtx(_Ctx):
    def __init__(self, question, text, says):
        super().__init__(question, text)
        self.says, self.asked = says, []

    async def generate(self, messages, params, *, model=None, purpose="sample"):
        self.asked.append((model, purpose, messages[-1]["content"]))
        says = self.says.pop(0) if isinstance(self.says, list) else self.says
        if isinstance(says, Exception):
            raise says
        return [says]


def _run(says, answers=(("PYTHONPATH", "Augment the default search path for module files"),), rejected=()):
    ctx = _JudgeCtx(Q_PATH, CMDLINE, says)
    ctx.memo["rejected"] = list(rejected)
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


def test_after_a_turned_down_answer_the_judge_answers_itself_and_must_agree():
    (v,), ctx = _run("PYTHONHOME", rejected=["PYTHONSTARTUP"])
    assert not v.passed and v.details.judge is False and "answers it with something else" in v.feedback
    model, purpose, prompt = ctx.asked[0]
    assert (model, purpose) == ("local/judge", "judge")
    assert "PYTHONPATH" in prompt and "Proposed answer" not in prompt  # it does not see the answer
    for says in ("PYTHONPATH", "The PYTHONPATH environment variable.", "os.environ['PYTHONPATH']"):
        (v,), _ = _run(says, rejected=["PYTHONSTARTUP"])
        assert v.passed and v.details.judge is True, says
    (v,), _ = _run("yes", rejected=["PYTHONSTARTUP"])  # a yes is no answer
    assert not v.passed
    for says in ("", " \n", BudgetExceeded("tokens: 5 left, the judge needs 20", dimension="tokens")):
        (v,), _ = _run(says, rejected=["PYTHONSTARTUP"])  # no reply: not judged, the rules' verdict stands
        assert v.passed and v.details.judge is None, says
    (v,), _ = _run("no")  # the first answer of a run still gets the yes/no question
    assert not v.passed and "says it does not answer" in v.feedback


def test_the_extracting_judge_reads_each_passage_once_and_can_be_turned_off():
    sentence = "Augment the default search path for module files"
    verdicts, ctx = _run("PYTHONPATH", answers=(("PYTHONPATH", sentence), ("pythonpath", sentence + ".")),
                         rejected=["x"])
    assert [v.passed for v in verdicts] == [True, True] and len(ctx.asked) == 1
    ctx = _JudgeCtx(Q_PATH, CMDLINE, "yes")
    ctx.memo["rejected"] = ["x"]
    c = Candidate(content={"tool": "answer", "answer": "PYTHONPATH", "source": "http://127.0.0.1/p", "quote": sentence})
    (v,) = asyncio.run(EvidenceVerifier(judge=False, judge_model="m", extract_after=None).verify(ctx, [c]))
    assert v.passed and "Proposed answer: PYTHONPATH" in ctx.asked[0][2]


def test_agreement_is_on_the_words_that_name_something():
    q = "Which function of the struct module returns the size of a format?"
    assert agrees("textwrap.dedent", "dedent()", "Which function removes common indentation?")
    assert agrees("3.6", "Python 3.6", "In which Python version was secrets added?")
    assert agrees("jsonDecodeError", "json.JSONDecodeError", "Which exception does json raise?")
    assert not agrees("struct.iter_unpack(format, buffer)", "struct.calcsize", q)
    assert not agrees("PEP 492", "PEP 572", "Which PEP added the walrus operator?")
    assert not agrees("struct", "struct", q)  # only the question's own words: names nothing


def _first_answer(says, follow_up, answer="PYTHONPATH"):
    ctx = _JudgeCtx(Q_PATH, CMDLINE, list(says))
    ctx.stage.controller = type("C", (), {"can_follow_up": lambda self, c: follow_up})()
    c = Candidate(content={"tool": "answer", "answer": answer, "source": "http://127.0.0.1/p",
                           "quote": "Augment the default search path for module files"})
    (v,) = asyncio.run(EvidenceVerifier(judge=False, judge_model="local/judge").verify(ctx, [c]))
    return v, c, ctx


def test_a_first_answer_the_yes_accepts_is_put_to_the_judges_own_reading_while_budget_is_left():
    v, c, ctx = _first_answer(["yes", "PYTHONHOME"], follow_up=True)
    assert v.passed and v.details.disputed == "PYTHONHOME" and c.meta["disputed"] == "PYTHONHOME"
    assert "answers 'PYTHONHOME'" in v.feedback and len(ctx.asked) == 2
    assert "Proposed answer" in ctx.asked[0][2] and "Proposed answer" not in ctx.asked[1][2]
    agreed, _, _ = _first_answer(["yes", "The PYTHONPATH variable"], follow_up=True)
    assert agreed.passed and agreed.details.disputed is None
    # ranked below every undisputed verified answer, above every unverified one
    (unverified,), _ = _run("no", answers=(("PYTHONHOME", "Change the location of the standard Python libraries"),))
    assert unverified.score < v.score == 0.5 < agreed.score
    for says in (["yes", ""], ["yes", BudgetExceeded("tokens: 5 left", dimension="tokens")]):
        quiet, _, _ = _first_answer(says, follow_up=True)  # no reading from the judge: nothing disputed
        assert quiet.passed and quiet.details.disputed is None and quiet.score > 0.5


def test_no_reading_is_asked_without_budget_to_confirm_with_or_after_a_no():
    v, _, ctx = _first_answer(["yes", "PYTHONHOME"], follow_up=False)
    assert v.passed and v.details.disputed is None and len(ctx.asked) == 1
    v, _, ctx = _first_answer(["no", "PYTHONHOME"], follow_up=True)
    assert not v.passed and v.details.disputed is None and len(ctx.asked) == 1
    ctx = _JudgeCtx(Q_PATH, CMDLINE, ["PYTHONHOME"])  # a disputed answer raises the bar like a turned-down one
    ctx.memo["disputed"] = ["PYTHONSTARTUP"]
    c = Candidate(content={"tool": "answer", "answer": "PYTHONPATH", "source": "http://127.0.0.1/p",
                           "quote": "Augment the default search path for module files"})
    (v,) = asyncio.run(EvidenceVerifier(judge=False, judge_model="m").verify(ctx, [c]))
    assert not v.passed and "answers it with something else" in v.feedback
