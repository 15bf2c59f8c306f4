"""agents.bench.summary: the common part of a per-arm summary (counts, rate, spend sums), and the
summaries `bench gui`, `bench web` and `bench swe` build on it: the same keys, values and key order
as each built on its own before (the expected dicts below are what the old code returned)."""
import json

from agents.bench.summary import outcome, spend_sums, tool_calls, wall_seconds
from budgets import Budget

GUI = [{"task": "click-button", "seed": 0, "success": True, "reward": 1.0, "steps": 2, "wall_s": 1.2,
        "spend": {"cost_usd": 0.0012345678, "input_tokens": 100, "output_tokens": 20, "model_calls": 2}},
       {"task": "click-button", "seed": 1, "success": False, "reward": -1.0, "steps": 3, "wall_s": 0.15,
        "spend": {"cost_usd": 0.001, "input_tokens": 50, "output_tokens": 5, "model_calls": 1}}]
WEB = [{"id": "q1", "correct": True, "answer": "Paris", "verified": True, "status": "success", "wall_s": 2.25,
        "spend": {"cost_usd": 0.002, "token_usd": 0.0015, "tool_usd": 0.0005, "input_tokens": 300, "output_tokens": 30,
                  "model_calls": 3, "tool_calls": {"search": 1, "open": 2}}},
       {"id": "q2", "correct": False, "answer": "", "verified": False, "status": "error", "wall_s": 0.5,
        "spend": {"cost_usd": 0.0001, "token_usd": 0.0001, "tool_usd": 0, "input_tokens": 10, "output_tokens": 0,
                  "model_calls": 1, "tool_calls": {"search": 1}}}]


def test_outcome_counts_and_rounds_the_rate():
    rows = [{"ok": True}, {"ok": False}, {"ok": True}]
    assert outcome(rows, "ok") == (3, 2, 0.6667)
    assert outcome(rows, "ok", digits=None) == (3, 2, 2 / 3)
    assert outcome([], "ok") == (0, 0, 0.0)


def test_spend_sums_keep_integers_round_dollars_and_count_missing_as_zero():
    rows = [{"spend": {"cost_usd": 0.1, "model_calls": 2}}, {"spend": {"cost_usd": 0.2, "model_calls": None}},
            {"spend": None}, {}]
    sums = spend_sums(rows, ("cost_usd", "model_calls", "input_tokens"))
    assert sums == {"cost_usd": 0.3, "model_calls": 2, "input_tokens": 0}  # 0.1 + 0.2 is 0.30000000000000004
    assert [type(v) for v in sums.values()] == [float, int, int]
    assert tool_calls([{"spend": {"tool_calls": {"b": 1}}}, {"spend": {"tool_calls": {"a": 2, "b": 3}}}, {}]) == \
        {"b": 4, "a": 2}
    assert wall_seconds([{"wall_s": 1.26}, {"wall_s": None}, {}]) == 1.3 and wall_seconds([]) == 0.0


def test_gui_summary_is_what_it_was():
    from agents.gui.bench_runner import summarize

    assert json.dumps(summarize(GUI)) == json.dumps({
        "total": 2, "successes": 1, "success_rate": 0.5,
        "spend": {"cost_usd": 0.002235, "input_tokens": 150, "output_tokens": 25, "model_calls": 3, "wall_s": 1.3},
        "per_episode": [{"task": "click-button", "seed": 0, "success": True, "reward": 1.0, "steps": 2},
                        {"task": "click-button", "seed": 1, "success": False, "reward": -1.0, "steps": 3}]})
    assert summarize([])["spend"] == {"cost_usd": 0, "input_tokens": 0, "output_tokens": 0, "model_calls": 0,
                                      "wall_s": 0.0}


def test_web_summary_is_what_it_was():
    from agents.web.bench import summarize

    assert json.dumps(summarize(WEB, Budget(), True)) == json.dumps({
        "total": 2, "correct": 1, "accuracy": 0.5,
        "spend": {"cost_usd": 0.0021, "token_usd": 0.0016, "tool_usd": 0.0005, "input_tokens": 310, "output_tokens": 30,
                  "model_calls": 4, "tool_calls": {"search": 2, "open": 2}, "cost_usd_per_question": 0.00105,
                  "wall_s": 2.8},
        "per_question": [{"id": "q1", "correct": True, "answer": "Paris"}, {"id": "q2", "correct": False, "answer": ""}],
        "budget": "unlimited", "tracker": True, "verified": 1, "error": 1,
        # rows stored before the verifier's record was kept count nothing in it
        "answers": {"proposed": 0, "verified_right": 0, "verified_wrong": 0, "unverified_right": 0,
                    "unverified_wrong": 0, "precision": None, "recall": None},
        "read": {"runs": 0, "right": 0}})  # rows stored before the reader (agents.web.reader) count none
    empty = summarize([], Budget(), False)
    assert (empty["total"], empty["accuracy"], empty["spend"]["cost_usd_per_question"]) == (0, 0.0, 0.0)


def test_swe_summary_spend_is_what_it_was():
    from agents.swe.bench import summarize

    reports = [{"instance_id": "a-1", "status": "resolved",
                "solve": {"spend": {"cost_usd": 0.0100000004, "input_tokens": 100, "output_tokens": 20, "model_calls": 2}}},
               {"instance_id": "b-1", "status": "error", "solve": None},
               {"instance_id": "c-1", "status": "unresolved", "solve": {"spend": {"cost_usd": 0.02, "input_tokens": 5}}}]
    out = summarize(reports)
    assert json.dumps(out["spend"]) == json.dumps({"cost_usd": 0.03, "input_tokens": 105, "output_tokens": 20,
                                                   "model_calls": 2})
    assert (out["total"], out["resolved"], out["resolve_rate"], out["error_ids"]) == (3, 1, 0.3333, ["b-1"])
