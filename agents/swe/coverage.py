"""Coverage against selection (CodeMonkeys' split of a sampling pipeline's misses): grade *every* patch
candidate a finished `bench swe` arm drew, not only the selected one, on the hidden tests.

covered = instances where at least one candidate resolves; selected = instances whose chosen patch
resolves. covered - selected is what better selection could still win; instances not covered need
better (or more) candidates. Each candidate is graded in the same sandbox as the bench's own grades;
grades are cached in ARM_DIR/coverage.json by instance and patch hash, so a rerun grades only what is new.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Callable

from agents.errors import ConfigError
from agents.paths import id_path
from agents.trajectory import write_atomic

CACHE = "coverage.json"
MAX_PATCH_CHARS = 200_000  # a candidate bigger than this is graded as an error, not read into a sandbox


def _patch_candidates(run_dir: Path) -> list[dict[str, Any]]:
    """The patch stage's candidate rows of a run's trajectory, in the order they were drawn. Rows that do
    not parse are skipped: the trajectory is the host's file, but its candidates are model output."""
    path = run_dir / "trajectory.jsonl"
    if path.is_symlink() or not path.is_file():
        return []
    out = []
    for line in path.read_text(errors="replace").splitlines():
        try:
            row = json.loads(line)
        except ValueError:
            continue
        if isinstance(row, dict) and row.get("stage") == "patch":
            out += [c for c in row.get("candidates") or [] if isinstance(c, dict)]
    return out


def candidate_patches(run_dir: Path) -> list[str]:
    """The distinct patches of a run's patch-stage candidates, in the order they were drawn."""
    return _distinct_patches(_patch_candidates(run_dir))


def _distinct_patches(cands: list[dict[str, Any]]) -> list[str]:
    out: dict[str, None] = {}
    for cand in cands:
        content = cand.get("content")
        patch = content.get("patch") if isinstance(content, dict) else None
        if isinstance(patch, str) and patch.strip():
            out[patch] = None
    return list(out)


def _model_samples(cands: list[dict[str, Any]]) -> dict[str, int]:
    """The patch replies the model wrote (`samples`), those that were no edit of the code (`no_edit`: no
    code block, the file unchanged, the issue's example written back instead of the file, a diff that does
    not apply), the replies to a follow-up turn about such a reply (`follow_ups`, counted in `samples`) and
    those of them that were an edit (`follow_up_edits`)."""
    drawn = [c for c in cands if c.get("source") == "model"]
    again = [c for c in drawn if isinstance(c.get("meta"), dict) and c["meta"].get("follow_up_of")]
    return {"samples": len(drawn), "no_edit": sum(1 for c in drawn if c.get("error")),
            "follow_ups": len(again), "follow_up_edits": sum(1 for c in again if not c.get("error"))}


def patch_id(patch: str) -> str:
    return hashlib.sha256(patch.encode()).hexdigest()[:16]


def coverage(instances: list[Any], arm_dir: Path, *, sandbox: str = "bwrap", timeout: float = 900,
             on_grade: Callable[[str, int, int, str], None] | None = None,
             grade_fn: Callable[..., Any] | None = None) -> dict[str, Any]:
    """Grade every candidate of every finished instance under `arm_dir` (one arm's directory: OUT, or
    OUT/<arm> in a sweep). `on_grade(instance_id, i, n, status)` reports progress."""
    if grade_fn is None:
        from agents.swe.grading import grade as grade_fn
    arm_dir = Path(arm_dir)
    cache_path = arm_dir / CACHE
    try:
        cache = json.loads(cache_path.read_text()).get("grades", {}) if cache_path.is_file() else {}
    except (OSError, ValueError, AttributeError):
        cache = {}
    rows = []
    for inst in instances:
        home = id_path(arm_dir, inst.instance_id)
        report = _status(home / "report.json")
        if report is None:
            continue  # not finished (or not part of this arm)
        cands = _patch_candidates(home / "run")  # the trajectory, read once
        patches = _distinct_patches(cands)
        grades = []
        for i, patch in enumerate(patches):
            key = f"{inst.instance_id}:{patch_id(patch)}"
            if key not in cache:
                if len(patch) > MAX_PATCH_CHARS:
                    cache[key] = "error"
                else:
                    cache[key] = grade_fn(inst, patch, sandbox=sandbox, timeout=timeout).status
                write_atomic(cache_path, json.dumps({"grades": cache}), redacted=False)
            grades.append(cache[key])
            if on_grade:
                on_grade(inst.instance_id, i + 1, len(patches), cache[key])
        rows.append({"instance_id": inst.instance_id, "candidates": len(patches), **_model_samples(cands),
                     "resolving": grades.count("resolved"), "errors": grades.count("error"),
                     "selected": report, "covered": "resolved" in grades})
    if not rows:
        raise ConfigError(f"no graded instances under {arm_dir}: give one arm's directory of a finished "
                          "`bench swe` run (OUT, or OUT/<arm> in a sweep)")
    covered = [r["instance_id"] for r in rows if r["covered"]]
    selected = [r["instance_id"] for r in rows if r["selected"] == "resolved"]
    return {"instances": len(rows), "covered": len(covered), "selected_resolved": len(selected),
            "selection_misses": sorted(set(covered) - set(selected)),
            "candidates": sum(r["candidates"] for r in rows),
            "resolving_candidates": sum(r["resolving"] for r in rows),
            **{k: sum(r[k] for r in rows) for k in ("samples", "no_edit", "follow_ups", "follow_up_edits")},
            "per_instance": rows, "out": str(arm_dir)}


def _status(path: Path) -> str | None:
    if path.is_symlink() or not path.is_file():
        return None
    try:
        status = json.loads(path.read_text()).get("status")
    except (OSError, ValueError, AttributeError):
        return None
    return status if isinstance(status, str) else None
