"""The verifier's record on a question with gold answers: every distinct answer a run proposed (final or
not, sampled re-answers included), whether it verified, and whether it is right.

This is what decides how well the tracker can do: a wrong answer that verifies ends a run as surely as
a right one, and a right answer that never verifies is ranked below any later one that does. `bench
web` sums it per cell ("answers" in the summary: precision = right among the verified answers).

    tally(run_dir, gold)  -> {"proposed": 5, "verified_right": 1, "verified_wrong": 1,
                              "unverified_right": 1, "unverified_wrong": 2}
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

KEYS = ("proposed", "verified_right", "verified_wrong", "unverified_right", "unverified_wrong")


def proposed(steps: list[dict[str, Any]]) -> dict[str, bool]:
    """Each distinct answer (normalized) the steps proposed -> whether any of its verdicts passed."""
    from agents.web.quotes import normalize

    out: dict[str, bool] = {}
    for rec in steps:
        passed = {v.get("candidate_id"): v.get("passed") is True for v in rec.get("verdicts") or []
                  if isinstance(v, dict) and (v.get("details") or {}).get("action") == "answer"}
        for c in rec.get("candidates") or []:
            content = c.get("content") if isinstance(c, dict) else None
            if not (isinstance(content, dict) and content.get("tool") == "answer"
                    and isinstance(content.get("answer"), str) and c.get("id") in passed):
                continue
            key = normalize(content["answer"])
            if key:
                out[key] = out.get(key, False) or passed[c["id"]]
    return out


def tally(run_dir: Path, gold: list[str]) -> dict[str, int]:
    """Counts of the run's distinct proposed answers by (verified, right) against `gold`."""
    from agents.trajectory import RunFiles
    from agents.web.questions import is_correct

    counts = dict.fromkeys(KEYS, 0)
    for answer, verified in proposed(RunFiles(run_dir).steps()).items():
        counts["proposed"] += 1
        right = is_correct(answer, gold)
        counts[f"{'verified' if verified else 'unverified'}_{'right' if right else 'wrong'}"] += 1
    return counts


def summed(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The rows' tallies (`row["answers"]`, absent in rows from before it was kept) summed, with the
    verifier's precision (right among verified) and recall (verified among right); None without any."""
    total = dict.fromkeys(KEYS, 0)
    for r in rows:
        for k in KEYS:
            total[k] += int((r.get("answers") or {}).get(k) or 0)
    verified = total["verified_right"] + total["verified_wrong"]
    right = total["verified_right"] + total["unverified_right"]
    return total | {"precision": round(total["verified_right"] / verified, 4) if verified else None,
                    "recall": round(total["verified_right"] / right, 4) if right else None}
