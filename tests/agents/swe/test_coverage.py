"""`bench swe-coverage`: every patch candidate of a finished arm graded on the hidden tests (real grading,
a built example instance), coverage against selection, the grade cache, and hostile run files."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from agents.errors import ConfigError
from agents.swe.coverage import candidate_patches, coverage
from agents.swe.instances import load_instances

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def wraptext(tmp_path_factory):
    out = tmp_path_factory.mktemp("swe")
    subprocess.run([sys.executable, str(ROOT / "examples/swe/build.py"), "--out", str(out), "--only", "wraptext-1"],
                   check=True, capture_output=True, timeout=300)
    (inst,) = load_instances(out / "instances.jsonl")
    return out / "instances.jsonl", inst


def _arm(root: Path, inst, patches: list, selected: str) -> Path:
    """A finished arm as `bench swe` leaves it: OUT/<id>/report.json and the run's trajectory."""
    run = root / inst.instance_id / "run"
    run.mkdir(parents=True)
    (root / inst.instance_id / "report.json").write_text(json.dumps({"status": selected}))
    cands = [{"id": f"c{i}", "source": "model", "error": "EditError: the reply changes nothing" if p is None else None,
              "content": None if p is None else {"file": "wraptext/wrap.py", "patch": p}}
             for i, p in enumerate(patches)]
    for i in range(1, len(cands)):  # a reply after a no-edit one answers its follow-up turn
        if cands[i - 1]["error"]:
            cands[i]["meta"] = {"follow_up_of": cands[i - 1]["id"]}
    cands.append({"id": "ablated", "source": "expand", "error": "no test run left", "content": None})
    rows = [{"stage": "localize", "candidates": [{"content": {"patch": "not a patch stage"}}]},
            {"stage": "patch", "candidates": cands}, "not a row", {"stage": "patch", "candidates": "junk"}]
    (run / "trajectory.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n{broken json\n")
    return root


def _wrong(inst) -> str:
    """The gold patch's change written so that it changes nothing: applies, does not resolve."""
    assert "needed > width" in inst.patch
    return inst.patch.replace("needed > width", "needed >= width + 0")


def test_every_candidate_is_graded_and_a_selection_miss_is_named(wraptext, tmp_path):
    _, inst = wraptext
    wrong = _wrong(inst)
    arm = _arm(tmp_path / "arm", inst, [wrong, None, inst.patch, wrong], selected="unresolved")
    assert candidate_patches(arm / inst.instance_id / "run") == [wrong, inst.patch]  # distinct, in order
    seen = []
    summary = coverage([inst], arm, sandbox="local", on_grade=lambda *a: seen.append(a))
    assert (summary["instances"], summary["covered"], summary["selected_resolved"]) == (1, 1, 0)
    assert summary["selection_misses"] == [inst.instance_id]
    (row,) = summary["per_instance"]
    assert (row["candidates"], row["resolving"], row["selected"]) == (2, 1, "unresolved")
    # the model's replies (an ablation is not one), and those that were no edit
    assert (row["samples"], row["no_edit"], summary["samples"], summary["no_edit"]) == (4, 1, 4, 1)
    assert (row["follow_ups"], row["follow_up_edits"], summary["follow_ups"]) == (1, 1, 1)
    assert [s for *_, s in seen] == ["unresolved", "resolved"]
    cache = json.loads((arm / "coverage.json").read_text())["grades"]
    assert sorted(cache.values()) == ["resolved", "unresolved"]

    def must_not_grade(*a, **k):
        raise AssertionError("a cached grade was graded again")

    again = coverage([inst], arm, sandbox="local", grade_fn=must_not_grade)
    assert again["covered"] == 1 and again["selection_misses"] == [inst.instance_id]


def test_a_patch_escaping_the_repository_grades_as_an_error_and_links_are_not_followed(wraptext, tmp_path):
    _, inst = wraptext
    escape = inst.patch.replace("a/wraptext/wrap.py", "a/../../outside.py").replace("b/wraptext/wrap.py",
                                                                                        "b/../../outside.py")
    arm = _arm(tmp_path / "arm", inst, [escape], selected="resolved")
    summary = coverage([inst], arm, sandbox="local")
    (row,) = summary["per_instance"]
    assert (row["candidates"], row["resolving"], row["errors"], summary["covered"]) == (1, 0, 1, 0)
    assert not (tmp_path / "outside.py").exists()
    # a trajectory that is a link is not read; a report that is a link is not an instance of the arm
    linked = tmp_path / "linked"
    (linked / inst.instance_id / "run").mkdir(parents=True)
    os.symlink(arm / inst.instance_id / "run" / "trajectory.jsonl", linked / inst.instance_id / "run" / "trajectory.jsonl")
    os.symlink(arm / inst.instance_id / "report.json", linked / inst.instance_id / "report.json")
    with pytest.raises(ConfigError, match="no graded instances"):
        coverage([inst], linked, sandbox="local")


def test_the_command_prints_coverage_and_bad_input_is_one_line(wraptext, tmp_path):
    path, inst = wraptext
    arm = _arm(tmp_path / "arm", inst, [inst.patch], selected="resolved")
    env = dict(os.environ, LITELLM_LOCAL_MODEL_COST_MAP="True")
    cmd = [sys.executable, "-m", "agents.cli", "bench", "swe-coverage"]
    r = subprocess.run(cmd + [str(arm), "--instances", str(path), "--sandbox", "local", "--json"], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    out = json.loads(r.stdout)
    assert (out["covered"], out["selected_resolved"], out["selection_misses"]) == (1, 1, [])
    assert "wraptext-1: candidate 1/1 resolved" in r.stderr
    text = subprocess.run(cmd + [str(arm), "--instances", str(path), "--sandbox", "local"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)  # the grade is cached now
    assert text.returncode == 0 and "wraptext-1: 1/1 candidates resolve; selected resolved; 0 of 1 patch replies " \
        "were no edit, 0 of 0 follow-ups an edit" in text.stdout and "covered 1/1" in text.stdout, text.stdout + text.stderr[-2000:]
    for args, msg in (([str(tmp_path / "none"), "--instances", str(path)], "is not a directory"),
                      ([str(tmp_path), "--instances", str(path)], "no graded instances"),
                      ([str(arm), "--instances", str(tmp_path / "missing.jsonl")], "does not exist")):
        bad = subprocess.run(cmd + args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert bad.returncode == 2 and msg in bad.stderr and "Traceback" not in bad.stderr, bad.stderr
        assert len(bad.stderr.strip().splitlines()) == 1
