"""run_tests: one outcome per node id, whatever the tests do (parametrized ids, broken modules, unknown ids, hangs)."""
import pytest

from sandboxes import open_sandbox
from agents.swe.testrun import run_tests

TESTS = {
    "tests/test_ok.py": '''
import pytest

@pytest.mark.parametrize("v", ["a b", "x::y", "[1]", "é"])
def test_param(v):
    assert v

def test_fail():
    assert 1 == 2, "one is not two"

@pytest.fixture
def broken():
    raise RuntimeError("fixture exploded")

def test_setup_error(broken):
    pass

@pytest.mark.skip(reason="not today")
def test_skip():
    pass

@pytest.mark.xfail(reason="known")
def test_xfail():
    assert False

class TestK:
    def test_m(self):
        pass
''',
    "tests/test_broken.py": "def oops(:\n",
    "tests/test_slow.py": "import time\n\ndef test_sleep():\n    time.sleep(60)\n",
}


@pytest.fixture
def ws(tmp_path):
    for name, text in TESTS.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return tmp_path


def _run(ws, backend, ids, timeout=60):
    with open_sandbox(backend, ws, **({"warn": False} if backend == "local" else {})) as sb:
        return run_tests(sb, ids, timeout=timeout)


def test_outcomes_per_id(ws, sandbox_backend):
    ids = ["tests/test_ok.py::test_param[a b]", "tests/test_ok.py::test_param[x::y]", "tests/test_ok.py::test_param[[1]]",
           "tests/test_ok.py::test_param[\\xe9]", "tests/test_ok.py::test_fail", "tests/test_ok.py::test_setup_error",
           "tests/test_ok.py::test_skip", "tests/test_ok.py::test_xfail", "tests/test_ok.py::TestK::test_m",
           "tests/test_ok.py::TestK", "tests/test_ok.py::test_nosuch", "tests/test_ok.py::test_param[zzz]",
           "tests/test_broken.py::test_a", "tests/test_missing.py::test_a"]
    run = _run(ws, sandbox_backend, ids)
    got = {i: run.outcomes[i].outcome for i in ids}
    assert got == {
        ids[0]: "passed", ids[1]: "passed", ids[2]: "passed", ids[3]: "passed", ids[4]: "failed", ids[5]: "error",
        ids[6]: "skipped", ids[7]: "xfailed", ids[8]: "passed", ids[9]: "passed", ids[10]: "error", ids[11]: "error",
        ids[12]: "error", ids[13]: "error"}, run.output_tail
    assert "one is not two" in run.outcomes[ids[4]].message
    assert "fixture exploded" in run.outcomes[ids[5]].message
    assert "no test with this id" in run.outcomes[ids[10]].message
    assert "collection error in tests/test_broken.py" in run.outcomes[ids[12]].message
    assert "SyntaxError" in run.outcomes[ids[12]].message
    assert "does not exist" in run.outcomes[ids[13]].message
    assert set(run.not_collected) == {ids[10], ids[11], ids[12], ids[13]}
    assert run.problem is None
    assert not list(ws.glob(".scaleagent-tests-*"))  # no report file in the workspace


def test_timeout_keeps_finished_results(ws, sandbox_backend):
    run = _run(ws, sandbox_backend, ["tests/test_ok.py::test_fail", "tests/test_slow.py::test_sleep"], timeout=4)
    assert run.timed_out and "timed out" in run.problem
    assert run.outcomes["tests/test_ok.py::test_fail"].outcome == "failed"
    assert run.outcomes["tests/test_slow.py::test_sleep"].outcome == "error"


def test_conftest_crash_is_a_problem_not_a_crash(ws, sandbox_backend):
    (ws / "tests" / "conftest.py").write_text("import no_such_module_here\n")
    run = _run(ws, sandbox_backend, ["tests/test_ok.py::test_fail"])
    assert run.problem and "no_such_module_here" in run.problem
    assert run.outcomes["tests/test_ok.py::test_fail"].outcome == "error"


def test_no_ids():
    assert run_tests(None, []).outcomes == {}


def test_failure_signature_ignores_worktree_paths_and_addresses_but_not_values():
    from agents.swe.checks import failure_signature

    a = failure_signature("AssertionError: assert 37.77777777 == 37.0 at /tmp/ws-1a2b/pkg/m.py:3 <obj at 0x7f00aa>")
    b = failure_signature("AssertionError: assert 37.77777790 == 37.0 at /var/wt/other/pkg/m.py:3 <obj at 0x7f11bb>")
    assert a == b
    assert failure_signature("assert 37.5 == 37.0") != failure_signature("assert 37.7 == 37.0")
