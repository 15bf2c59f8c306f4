"""Each selection strategy on hand-made candidates and verdicts."""
from agents.models.scripted import ScriptedModel
from agents.runtime import Runtime
from agents.context import StepContext
from agents.stage import Stage
from agents.state import Candidate, StageResult, Task, Verdict
from agents.strategies import BestScore, FirstFinish, LLMJudge, MajorityVote, Pessimistic, TestVote


def cands(*contents):
    return [Candidate(content=c, finish_order=i + 1) for i, c in enumerate(contents)]


async def test_majority_picks_most_common_key():
    cs = cands("a", "b", "b", None)
    sel = await MajorityVote().select(None, cs, [])
    assert sel.winner == cs[1].id and "2 of 3 votes" in sel.reason and sel.ranking[-1] == cs[3].id


async def test_best_score_and_pessimistic_disagree_on_uncertain_candidate():
    cs = cands("risky", "safe")
    vs = [Verdict(candidate_id=cs[0].id, score=0.9, uncertainty=0.8),
          Verdict(candidate_id=cs[1].id, score=0.7, uncertainty=0.0)]
    assert (await BestScore().select(None, cs, vs)).winner == cs[0].id
    assert (await Pessimistic(penalty=0.5).select(None, cs, vs)).winner == cs[1].id


async def test_first_finish_skips_failed_candidates():
    cs = cands("x", "y", "z")
    vs = [Verdict(candidate_id=cs[0].id, passed=False), Verdict(candidate_id=cs[1].id, passed=True),
          Verdict(candidate_id=cs[2].id, passed=True)]
    assert (await FirstFinish().select(None, cs, vs)).winner == cs[1].id
    none = await FirstFinish().select(None, cs, [Verdict(candidate_id=c.id, passed=False) for c in cs])
    assert none.winner is None


async def test_test_vote_ranks_by_tests_then_agreement():
    cs = cands("a", "b", "c", "d")
    t = lambda *bits: {"tests": {str(i): b for i, b in enumerate(bits)}}  # noqa: E731
    vs = [Verdict(candidate_id=cs[0].id, details=t(True, False, False)),
          Verdict(candidate_id=cs[1].id, details=t(True, True, False)),
          Verdict(candidate_id=cs[2].id, details=t(True, False, True)),
          Verdict(candidate_id=cs[3].id, details=t(True, False, True))]
    sel = await TestVote().select(None, cs, vs)
    # b and c/d pass 2 of 3; c and d agree with each other, so c (earlier) wins the tie
    assert sel.winner == cs[2].id and sel.ranking[-1] == cs[0].id


async def test_test_vote_breaks_remaining_ties_by_how_many_samples_made_the_edit():
    cs = cands("a", "b")
    cs[1].meta["votes"] = 2  # two samples made edit b (the select stage merges them)
    same = {"tests": {"t1": True, "t2": False}}
    sel = await TestVote().select(None, cs, [Verdict(candidate_id=c.id, details=same) for c in cs])
    assert sel.winner == cs[1].id and sel.scores[cs[1].id] > sel.scores[cs[0].id]
    # votes never outweigh passing more tests
    better = [Verdict(candidate_id=cs[0].id, details={"tests": {"t1": True, "t2": True}}),
              Verdict(candidate_id=cs[1].id, details=same)]
    assert (await TestVote().select(None, cs, better)).winner == cs[0].id


async def test_test_vote_gives_partial_credit_and_clusters_by_what_the_tests_saw():
    cs = cands("noop", "fix-a", "fix-b", "other")
    base = {"tests": {"t": False}}
    changed = lambda sig: {"tests": {"t": {"outcome": "failed", "credit": 0.25, "signature": sig}}}  # noqa: E731
    vs = [Verdict(candidate_id=cs[0].id, details=base),
          Verdict(candidate_id=cs[1].id, details=changed("37.5 == 37.0")),
          Verdict(candidate_id=cs[2].id, details=changed("37.5 == 37.0")),
          Verdict(candidate_id=cs[3].id, details=changed("TypeError"))]
    cs[0].meta["votes"] = 5  # many samples that change nothing do not outvote a changed failure
    sel = await TestVote().select(None, cs, vs)
    # partial credit beats none; the two that make the test see the same thing agree, so they beat
    # the one alone; between those two, finish order
    assert sel.ranking[:3] == [cs[1].id, cs[2].id, cs[3].id] and sel.ranking[-1] == cs[0].id
    assert abs(sel.scores[cs[1].id] - sel.scores[cs[2].id]) < 1e-9
    # a real pass still beats any partial credit and any agreement
    vs[3] = Verdict(candidate_id=cs[3].id, details={"tests": {"t": True}})
    assert (await TestVote().select(None, cs, vs)).winner == cs[3].id


async def test_llm_judge_uses_the_models_choice():
    model = ScriptedModel(['{"best": 1, "reason": "handles empty input"}'])
    rt = Runtime(model=model)
    stage = Stage("s")
    ctx = StepContext(task=Task(id="t", input={"prompt": "p"}), stage=stage, runtime=rt, tracker=rt.tracker,
                      results={}, history=[], result=StageResult(stage="s"), step=0, mode="sample")
    cs = cands("first", "second")
    sel = await LLMJudge().select(ctx, cs, [])
    assert sel.winner == cs[1].id and "judge picked candidate 1" in sel.reason
    bad = await LLMJudge().select(ctx, cs, [])  # the scripted model ran out: recorded, falls back
    assert bad.winner == cs[0].id and "no usable answer" in bad.reason and ctx.errors
