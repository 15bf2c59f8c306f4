"""grade(): gold patches resolve, empty patches do not, and every broken input is an error report, never a crash."""
import json

import pytest

from agents.swe.grading import grade

SUBSET = ["confparse-1", "cronparse-1", "mdtable-2", "spans-2"]  # 4 repos; mdtable-2's fix spans two modules


@pytest.mark.parametrize("iid", SUBSET)
def test_gold_resolves_and_empty_does_not(swe_instances, sandbox_backend, iid):
    inst = swe_instances[iid]
    gold = grade(inst, inst.patch, sandbox=sandbox_backend, timeout=120)
    assert gold.status == "resolved", gold.reason
    assert gold.model_patch_applied and gold.applied_with == "git apply"
    assert set(gold.fail_to_pass) == set(inst.FAIL_TO_PASS) and all(o.passed for o in gold.fail_to_pass.values())
    assert gold.durations["total_s"] > 0
    empty = grade(inst, "", sandbox=sandbox_backend, timeout=120)
    assert empty.status == "unresolved" and "FAIL_TO_PASS not passing" in empty.reason
    assert empty.model_patch_applied is None
    assert not any(o.passed for o in empty.fail_to_pass.values())
    assert all(o.passed for o in empty.pass_to_pass.values())


@pytest.mark.slow
def test_all_instances(swe_instances, sandbox_backend):
    for inst in swe_instances.values():
        assert grade(inst, inst.patch, sandbox=sandbox_backend).status == "resolved", inst.instance_id
        assert grade(inst, None, sandbox=sandbox_backend).status == "unresolved", inst.instance_id


def _errs(report, *needles):
    assert report.status == "error", report
    for n in needles:
        assert n in report.reason, report.reason
    assert "\n" not in report.reason


def test_broken_inputs_are_error_reports(swe_instances, sandbox_backend, tmp_path):
    inst = swe_instances["spans-1"]
    other = swe_instances["confparse-1"].patch  # a real diff, for files this repo does not have
    _errs(grade(inst, other, sandbox=sandbox_backend), "model patch does not apply", "confparse/config.py")
    _errs(grade(inst, "this is not a diff", sandbox=sandbox_backend), "model patch does not apply")
    truncated = inst.patch.splitlines(keepends=True)
    _errs(grade(inst, "".join(truncated[:4]) + "@@ -1,3 +1,3 @@\n-nope\n", sandbox=sandbox_backend),
          "model patch does not apply")
    # the model patch touches the test file the test patch also changes: test patch no longer applies
    tp_file = inst.test_patch.split("\n", 1)[0].split(" b/")[-1]
    _errs(grade(inst.model_copy(update={"test_patch": inst.test_patch}), _delete_patch(inst, tp_file),
                sandbox=sandbox_backend), "test patch does not apply after the model patch")
    _errs(grade(inst.model_copy(update={"repo": str(tmp_path / "gone")}), inst.patch), "repository", "not found")
    _errs(grade(inst.model_copy(update={"base_commit": "1" * 40}), inst.patch), "repository", "is not in")
    nosuch = inst.model_copy(update={"PASS_TO_PASS": inst.PASS_TO_PASS + ["tests/test_interval.py::test_nosuch"]})
    rep = grade(nosuch, inst.patch, sandbox=sandbox_backend)
    _errs(rep, "could not be collected", "test_nosuch")
    assert rep.pass_to_pass["tests/test_interval.py::test_nosuch"].collected is False
    _errs(grade(inst.model_copy(update={"FAIL_TO_PASS": []}), inst.patch), "no FAIL_TO_PASS")
    _errs(grade(inst, inst.patch, sandbox="nosuchbackend"), "sandbox")


def _delete_patch(inst, path):
    import subprocess

    from agents.swe.instances import materialize_repo

    repo = materialize_repo(inst)
    text = subprocess.run(["git", "show", f"{inst.base_commit}:{path}"], cwd=repo, capture_output=True,
                          text=True).stdout
    lines = text.splitlines()
    body = "".join(f"-{ln}\n" for ln in lines)
    return f"diff --git a/{path} b/{path}\ndeleted file mode 100644\n--- a/{path}\n+++ /dev/null\n" \
           f"@@ -1,{len(lines)} +0,0 @@\n{body}"


def test_model_patch_breaking_imports_is_not_resolved(swe_instances, sandbox_backend):
    inst = swe_instances["unitconv-1"]
    src = inst.patch.split("\n", 1)[0].split(" b/")[-1]
    syntax = (f"diff --git a/{src} b/{src}\n--- a/{src}\n+++ b/{src}\n@@ -1,1 +1,2 @@\n+def broken(:\n"
              + _first_line_context(inst, src))
    rep = grade(inst, syntax, sandbox=sandbox_backend)
    # the tests are collected at the base commit, so the patch made them fail (SWE-bench: unresolved)
    assert rep.status == "unresolved", rep.reason
    assert rep.reason.startswith("the model patch breaks test collection:") and "\n" not in rep.reason


def _first_line_context(inst, path):
    import subprocess

    from agents.swe.instances import materialize_repo

    first = subprocess.run(["git", "show", f"{inst.base_commit}:{path}"], cwd=materialize_repo(inst),
                           capture_output=True, text=True).stdout.splitlines()[0]
    return f" {first}\n"


def test_fuzzy_patch_falls_back_to_patch(swe_instances, sandbox_backend):
    """A hunk whose line numbers are off (as models write them) still applies via `patch --fuzz`."""
    inst = swe_instances["unitconv-1"]
    lines = inst.patch.splitlines(keepends=True)
    first_hunk = next(i for i, ln in enumerate(lines) if ln.startswith("@@"))
    assert lines[first_hunk + 1].startswith(" ")
    lines[first_hunk + 1] = " # a context line the model misremembered\n"  # git apply refuses this
    rep = grade(inst, "".join(lines), sandbox=sandbox_backend)
    assert rep.status == "resolved", rep.reason
    assert rep.applied_with == "patch --fuzz=5"
    json.loads(rep.model_dump_json())  # serializable
