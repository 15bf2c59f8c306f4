"""The verifier's record per question (agents.web.answer_log): distinct proposed answers by verified x right."""
from agents.web.answer_log import proposed, summed


def _answer(cid: str, text: str) -> dict:
    return {"id": cid, "content": {"tool": "answer", "answer": text, "source": "http://127.0.0.1:1/doc/a.html",
                                   "quote": "q"}}


def _verdict(cid: str, passed: bool | None, action: str = "answer") -> dict:
    return {"candidate_id": cid, "passed": passed, "details": {"action": action}}


def test_distinct_answers_verified_when_any_verdict_passed():
    steps = [
        {"candidates": [_answer("a1", "Python 3.9"), _answer("a2", "3.8"),
                        {"id": "s1", "content": {"tool": "search", "input": "zoneinfo"}}],
         "verdicts": [_verdict("a1", False), _verdict("a2", False), _verdict("s1", None, action="search")]},
        {"candidates": [_answer("a3", "python 3.9!"), _answer("a4", "unverifiable"), {"id": "x", "content": None}],
         "verdicts": [_verdict("a3", True)]},  # a4 has no verdict: not proposed to the verifier
    ]
    assert proposed(steps) == {"python 3 9": True, "3 8": False}


def test_summed_counts_precision_and_recall():
    rows = [{"answers": {"proposed": 3, "verified_right": 1, "verified_wrong": 1, "unverified_right": 1,
                         "unverified_wrong": 0}},
            {"answers": {"proposed": 2, "verified_right": 1, "verified_wrong": 0, "unverified_right": 0,
                         "unverified_wrong": 1}},
            {"answers": None}, {}]  # rows kept before the record existed count nothing
    total = summed(rows)
    assert total["proposed"] == 5 and total["verified_right"] == 2 and total["verified_wrong"] == 1
    assert total["precision"] == round(2 / 3, 4) and total["recall"] == round(2 / 3, 4)
    assert summed([])["precision"] is None and summed([])["recall"] is None
