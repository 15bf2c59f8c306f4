"""examples/web/verify_replay.py: the verifier replayed offline over a run's answers, with the memo
the run had at each answer step (what had failed before), against the index's copy of the page."""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
Q = "In which Python version was the zoneinfo module added?"
PAGE = "http://127.0.0.1:4242/doc/zoneinfo.html"


def _answer_step(answer, quote, verified):
    cand = {"content": {"tool": "answer", "answer": answer, "source": PAGE, "quote": quote}}
    return {"stage": "research", "candidates": [cand],
            "observation": {"kind": "answer", "answer": answer, "verified": verified}}


def test_the_replay_counts_each_answer_by_when_it_came(web_index, tmp_path):
    run = tmp_path / "runs" / "q1"
    run.mkdir(parents=True)
    (run / "run.json").write_text(json.dumps({"task": {"input": {"question": Q}}}))
    steps = [{"stage": "plan", "candidates": []},
             _answer_step("3.7", "this sentence is not on the page", False),       # first: wrong, not verified
             _answer_step("3.9", "New in version 3.9. The zoneinfo module provides", True)]  # new: right, verified
    (run / "trajectory.jsonl").write_text("\n".join(json.dumps(s) for s in steps) + "\n")
    (run / "result.json").write_text(json.dumps({"task": {"input": {"question": Q}}, "answer": {"answer": "3.9"}}))
    questions = tmp_path / "q.jsonl"
    questions.write_text(json.dumps({"id": "zi", "question": Q, "answers": ["3.9"]}) + "\n")
    out = subprocess.run([sys.executable, str(ROOT / "examples/web/verify_replay.py"), str(tmp_path / "runs/*/trajectory.jsonl"),
                          "--questions", str(questions), "--index", str(web_index), "--list"],
                         capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "2 answer candidates in 1 runs"
    assert "first: verified 0 right, 0 wrong" in lines[1] and "not verified 0 right, 1 wrong" in lines[1]
    assert "new: verified 1 right, 0 wrong" in lines[2]
    assert "right  zi  [new, quote]  3.9" in out.stdout
    assert "new   quote unknown right: 1" in out.stdout
    assert ("runs whose first answer did not verify (as they ran): 1; first answer right in 0, final answer right in 1 "
            "(right -> wrong 0, wrong -> right 1)") in out.stdout


def test_a_bad_setting_is_a_one_line_error(tmp_path):
    for setting, said in (("nope=1", "give FIELD=VALUE with a field of EvidenceVerifier"),
                          ("reanswer_passage=maybe", "Input should be 'any', 'greedy' or 'none'")):
        out = subprocess.run([sys.executable, str(ROOT / "examples/web/verify_replay.py"), "x", "--set", setting],
                             capture_output=True, text=True, cwd=tmp_path, timeout=60)
        assert out.returncode == 2 and out.stderr.count("\n") == 1 and said in out.stderr


def test_no_matching_run_is_a_one_line_error(tmp_path):
    out = subprocess.run([sys.executable, str(ROOT / "examples/web/verify_replay.py"), str(tmp_path / "none*.jsonl")],
                         capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert out.returncode == 2 and out.stderr.count("\n") == 1 and "no trajectory matches" in out.stderr
    (tmp_path / "trajectory.jsonl").write_text("")
    missing = subprocess.run([sys.executable, str(ROOT / "examples/web/verify_replay.py"), str(tmp_path / "trajectory.jsonl"),
                              "--questions", str(tmp_path / "nope.jsonl")], capture_output=True, text=True, timeout=60)
    assert missing.returncode == 2 and "nope.jsonl does not exist" in missing.stderr
    assert "Traceback" not in missing.stderr
