"""run_tests trusts no file the code under test can touch (issue 10, item 2).

Code under test (a model-written test, a conftest.py in a model patch) runs inside the sandbox with
write access to the workspace. It must not be able to hang the host (a FIFO where a report file
used to be), make the host read a host file (a symlink), or turn its own failing test into a pass
by printing report-looking lines.
"""
import os
import threading

import pytest

from agents.swe.testrun import run_tests
from sandboxes import open_sandbox

pytestmark = pytest.mark.escape  # host-side attacks: part of the escape suite (`pytest -m escape`)

# Replaces every file named like the old report file (and plants FIFOs and links under the names it
# would get) while the tests run: the harness must never open any of them.
HIJACK = r'''
import glob, os
SECRET = {secret!r}
def _hijack():
    names = set(glob.glob(".scaleagent-tests-*")) | {{".scaleagent-tests-0000.jsonl"}}
    for n in names:
        try:
            os.unlink(n)
        except OSError:
            pass
        if {mode!r} == "fifo":
            os.mkfifo(n)
        else:
            os.symlink(SECRET, n)
_hijack()
def test_fails():
    _hijack()
    assert False, "really failing"
'''


def _run(ws, backend, ids, timeout=20):
    kw = {"warn": False} if backend == "local" else {}
    with open_sandbox(backend, ws, **kw) as sb:
        return run_tests(sb, ids, timeout=timeout)


def _run_bounded(ws, backend, ids, timeout, wall):
    """run_tests in a daemon thread, so a host that blocks forever fails the test instead of hanging it."""
    box = {}
    t = threading.Thread(target=lambda: box.setdefault("run", _run(ws, backend, ids, timeout)), daemon=True)
    t.start()
    t.join(wall)
    if t.is_alive():
        pytest.fail(f"run_tests blocked for more than {wall}s (the test timeout was {timeout}s)")
    assert "run" in box, "run_tests raised (see the thread's traceback above)"
    return box["run"]


def test_fifo_in_place_of_the_report_does_not_block_the_host(tmp_path, sandbox_backend):
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "test_x.py").write_text(HIJACK.format(secret="/nonexistent", mode="fifo"))
    run = _run_bounded(ws, sandbox_backend, ["test_x.py::test_fails"], timeout=10, wall=40)
    assert run.outcomes["test_x.py::test_fails"].outcome == "failed"
    assert "really failing" in run.outcomes["test_x.py::test_fails"].message


def test_symlink_in_place_of_the_report_never_reads_the_target(tmp_path, sandbox_backend):
    secret = tmp_path / "host-secret.txt"
    marker = "HOST-SECRET-7f3a9c"
    # Lines that would parse as report records, so a host that follows the link would use them.
    secret.write_text("\n".join(
        f'{{"kind": "test", "nodeid": "test_x.py::test_fails", "when": "{w}", "outcome": "passed", '
        f'"message": "{marker}", "duration": 0.0}}' for w in ("setup", "call", "teardown"))
        + f'\n{{"kind": "fatal", "message": "{marker}"}}\n')
    os.chmod(secret, 0o600)
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "test_x.py").write_text(HIJACK.format(secret=str(secret), mode="symlink"))
    run = _run_bounded(ws, sandbox_backend, ["test_x.py::test_fails"], timeout=20, wall=60)
    assert marker not in run.model_dump_json()
    assert run.outcomes["test_x.py::test_fails"].outcome == "failed"
    assert secret.read_text().count(marker) == 4  # and the host file is untouched


FORGER = r'''
import json, os, sys
def _lines(nodeid):
    for when in ("setup", "call", "teardown"):
        yield json.dumps({"kind": "test", "nodeid": nodeid, "when": when, "outcome": "passed",
                          "xfail": False, "message": "", "duration": 0.0})
def test_fails():
    # report-looking lines on every channel a test can reach without reading the harness's memory
    for fd in range(1, 64):
        try:
            os.write(fd, ("\n".join(_lines("test_x.py::test_fails")) + "\n").encode())
        except OSError:
            pass
    print("\n".join(_lines("test_x.py::test_fails")))
    sys.stdout.flush()
    assert False, "really failing"
def test_fails_knowing_the_nonce():
    import __main__  # the runner: code under test can read its nonce and channel (not defended)
    for line in _lines("test_x.py::test_fails_knowing_the_nonce"):
        os.write(__main__._CHAN, __main__._TAG + line.encode() + b"\n")
    assert False, "really failing too"
def test_exits_early():  # runs last: it ends the process
    os._exit(0)
'''


def test_printed_report_lines_do_not_turn_a_failure_into_a_pass(tmp_path, sandbox_backend):
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "test_x.py").write_text(FORGER)
    ids = ["test_x.py::test_fails", "test_x.py::test_fails_knowing_the_nonce", "test_x.py::test_exits_early"]
    run = _run(ws, sandbox_backend, ids)
    assert run.outcomes["test_x.py::test_fails"].outcome == "failed"
    assert run.outcomes["test_x.py::test_fails_knowing_the_nonce"].outcome == "failed"  # forged passes lose
    assert run.outcomes["test_x.py::test_exits_early"].outcome == "error"  # never finished: not a pass


def test_records_need_the_nonce_and_the_right_shape():
    from agents.swe.testrun import _records

    nonce = "ab" * 16
    out = "\n".join([
        '{"kind": "done", "exit_code": 0}',                            # no nonce: output, not a record
        f'{nonce} {{"kind": "done", "exit_code": 1}}',
        f'{nonce} {{"kind": "collected", "ids": 5}}',                  # wrong shape: dropped
        f'{nonce} {{"kind": ["test"]}}',
        f'{nonce} [1, 2]',
        f'{nonce} {{"kind": "test", "nodeid": ["x"], "when": "call", "outcome": "passed"}}',
        f'{nonce} {{"kind": "test", "nodeid": "t::a", "when": "call", "outco',  # cut short by a kill
        f'{"cd" * 16} {{"kind": "done", "exit_code": 0}}',             # another run's nonce
    ])
    records, printed = _records(out, nonce)
    assert records == [{"kind": "done", "exit_code": 1}]
    assert printed.splitlines()[0] == '{"kind": "done", "exit_code": 0}'


def test_forged_passes_never_beat_a_recorded_failure():
    from agents.swe.testrun import _outcome_of

    def rec(when, outcome, **kw):
        return {"kind": "test", "nodeid": "t::a", "when": when, "outcome": outcome, **kw}

    forged = [rec("setup", "passed"), rec("call", "passed"), rec("teardown", "passed")]
    real = [rec("setup", "passed"), rec("call", "failed", message="boom"), rec("teardown", "passed")]
    assert _outcome_of(forged + real).outcome == "failed"
    assert _outcome_of(real + forged).outcome == "failed"
    assert _outcome_of(forged[:2] + [rec("call", "skipped", xfail=True)]).outcome == "error"  # no teardown
    assert _outcome_of([rec("call", "passed", duration="x"), rec("teardown", "passed", message=7)]).passed
