"""Run pytest node ids inside a sandbox and get one outcome per id.

    with open_sandbox("bwrap", ws.path) as sb:
        run = run_tests(sb, ["tests/test_a.py::test_x", "tests/test_b.py::test_y[1-2]"], timeout=300)
    run.outcomes["tests/test_a.py::test_x"].outcome   # passed | failed | error | skipped | xfailed | xpassed

How: a small runner script goes in on stdin (`python -`) and calls `pytest.main` on the *files* of
the ids with a plugin that keeps only the wanted items and appends one JSON line per report to a
file in the workspace (flushed, so a timeout or crash keeps what ran). Passing files, not ids,
means one unknown id cannot stop pytest from running the others ("not found" aborts a whole
run), parametrized ids need no shell quoting, and `--continue-on-collection-errors` lets one
broken module not hide the rest. An id that was never collected gets outcome "error" with the
reason (missing file, collection error, no such test). An id naming a file or class (a prefix of
node ids) gets the aggregate of the tests under it.

Interpreter: bwrap and local run the project's own interpreter (sys.executable: bwrap binds it
read-only and it has pytest; the host's /usr/bin/python3 may not); the docker image has python3
with pytest (scripts/docker_setup.sh).
"""
from __future__ import annotations

import json
import secrets
import sys
import time
from typing import Literal

from pydantic import BaseModel

from sandboxes import Limits, Sandbox

Outcome = Literal["passed", "failed", "error", "skipped", "xfailed", "xpassed"]
PASSING = ("passed", "xfailed")  # SWE-bench counts an expected failure as passing

_RUNNER = r'''
import json, os, sys
SPEC = json.loads(%(spec)r)
out = open(SPEC["out"], "a", buffering=1)
def emit(**rec):
    out.write(json.dumps(rec) + "\n"); out.flush()
def short(report):
    crash = getattr(report.longrepr, "reprcrash", None)
    if crash is not None:
        return crash.message
    if isinstance(report.longrepr, tuple):  # skip: (file, line, reason)
        return str(report.longrepr[2])
    lines = [l for l in str(report.longreprtext or "").splitlines() if l.strip()]
    last = lines[-1].strip() if lines else ""
    return last[1:].strip() if last.startswith("E ") else last
try:
    import pytest
except ImportError:
    emit(kind="fatal", message="pytest is not installed for " + sys.executable)
    sys.exit(3)
wanted = SPEC["ids"]
exact = set(wanted)
def keep(nodeid):
    return nodeid in exact or any(nodeid.startswith(w + "::") for w in wanted if "[" not in w)
class Plugin:
    def pytest_collection_modifyitems(self, session, config, items):
        chosen = [i for i in items if keep(i.nodeid)]
        config.hook.pytest_deselected(items=[i for i in items if not keep(i.nodeid)])
        items[:] = chosen
        emit(kind="collected", ids=[i.nodeid for i in chosen])
    def pytest_collectreport(self, report):
        if report.failed:
            emit(kind="collect_error", nodeid=report.nodeid, message=short(report)[:500])
    def pytest_runtest_logreport(self, report):
        emit(kind="test", nodeid=report.nodeid, when=report.when, outcome=report.outcome,
             xfail=hasattr(report, "wasxfail"), message=short(report)[:500] if report.outcome != "passed" else "",
             duration=report.duration)
files = sorted({w.split("::")[0] for w in wanted})
for f in files:
    if not os.path.exists(f):
        emit(kind="missing_file", path=f)
files = [f for f in files if os.path.exists(f)]
code = 5
if files:
    code = pytest.main(["-p", "no:cacheprovider", "-q", "--tb=short", "--rootdir", os.getcwd(),
                        "--continue-on-collection-errors", *files], plugins=[Plugin()])
emit(kind="done", exit_code=int(code))
'''


class TestOutcome(BaseModel):
    outcome: Outcome
    message: str = ""
    duration_s: float = 0.0
    collected: bool = True  # False: the id never became a test (missing file, collection error, no such test)

    @property
    def passed(self) -> bool:
        return self.outcome in PASSING


class TestRun(BaseModel):
    outcomes: dict[str, TestOutcome]
    exit_code: int  # of the sandboxed process
    timed_out: bool = False
    duration_s: float = 0.0
    problem: str | None = None  # the run as a whole went wrong (timeout, no pytest, crash): one line
    output_tail: str = ""
    nodes: dict[str, TestOutcome] = {}  # every test that ran, by its own node id (a file id expands here)

    @property
    def not_collected(self) -> list[str]:
        return [i for i, o in self.outcomes.items() if not o.collected]


def python_for(backend: str) -> str:
    """The interpreter that has pytest inside `backend`'s sandboxes."""
    return "python3" if backend == "docker" else sys.executable


def _outcome_of(reports: list[dict]) -> TestOutcome:
    """Fold one test's setup/call/teardown reports into its outcome (a teardown error wins, as in SWE-bench)."""
    result: TestOutcome | None = None
    duration = sum(r.get("duration") or 0.0 for r in reports)
    for r in reports:
        when, outcome, msg = r["when"], r["outcome"], r.get("message", "")
        if outcome == "failed":
            kind = "failed" if when == "call" else "error"
            if r.get("xfail") and when == "call":
                kind = "failed"  # strict xfail that passed unexpectedly, reported as failed
            result = TestOutcome(outcome=kind, message=(f"{when}: " if when != "call" else "") + msg)
        elif outcome == "skipped" and result is None:
            result = TestOutcome(outcome="xfailed" if r.get("xfail") else "skipped", message=msg)
        elif outcome == "passed" and when == "call" and result is None:
            result = TestOutcome(outcome="xpassed" if r.get("xfail") else "passed")
    if result is None:
        result = TestOutcome(outcome="error", message="pytest reported no outcome for this test")
    result.duration_s = round(duration, 4)
    return result


def _aggregate(outcomes: list[TestOutcome]) -> TestOutcome:
    order = ["error", "failed", "xpassed", "passed", "xfailed", "skipped"]
    worst = min(outcomes, key=lambda o: order.index(o.outcome))
    dur = round(sum(o.duration_s for o in outcomes), 4)
    return TestOutcome(outcome=worst.outcome, message=worst.message, duration_s=dur)


def _tail(text: str, n: int = 4000) -> str:
    return text[-n:]


def run_tests(sb: Sandbox, test_ids: list[str], *, timeout: float = 300, python: str | None = None,
              env: dict[str, str] | None = None, limits: Limits | None = None,
              plugin_autoload: bool = False) -> TestRun:
    """Run `test_ids` (pytest node ids relative to the workspace root) in `sb`; every id gets an outcome.
    Never raises for test problems; `SandboxError`/`SandboxUnavailable` from the backend propagate."""
    ids = list(dict.fromkeys(test_ids))
    if not ids:
        return TestRun(outcomes={}, exit_code=0)
    name = f".scaleagent-tests-{secrets.token_hex(4)}.jsonl"
    report_path = sb.workspace / name
    run_env = {"COLUMNS": "200", "PYTHONHASHSEED": "0", **(env or {})}
    if not plugin_autoload:
        run_env.setdefault("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")  # host plugins must not change results
    limits = limits or Limits(cpu_seconds=max(120, int(timeout) + 5))
    script = _RUNNER % {"spec": json.dumps({"ids": ids, "out": name})}
    t0 = time.monotonic()
    try:
        res = sb.run([python or python_for(sb.backend), "-"], stdin=script, timeout=timeout, env=run_env,
                     limits=limits)
        records = []
        if report_path.exists():
            for line in report_path.read_text(encoding="utf-8", errors="replace").splitlines():
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError:
                    pass  # a line cut short by a kill
    finally:
        report_path.unlink(missing_ok=True)
    output = res.stdout + ("\n" + res.stderr if res.stderr.strip() else "")
    return _fold(ids, records, res.exit_code, res.timed_out, timeout, time.monotonic() - t0, output)


def _fold(ids: list[str], records: list[dict], exit_code: int, timed_out: bool, timeout: float, wall: float,
          output: str) -> TestRun:
    by_node: dict[str, list[dict]] = {}
    collected: set[str] = set()
    collect_errors: dict[str, str] = {}
    missing_files: set[str] = set()
    fatal = done = None
    for rec in records:
        kind = rec.get("kind")
        if kind == "test":
            by_node.setdefault(rec["nodeid"], []).append(rec)
        elif kind == "collected":
            collected.update(rec["ids"])
        elif kind == "collect_error":
            collect_errors[rec["nodeid"]] = rec.get("message", "")
        elif kind == "missing_file":
            missing_files.add(rec["path"])
        elif kind == "fatal":
            fatal = rec["message"]
        elif kind == "done":
            done = rec["exit_code"]

    problem = None
    if timed_out:
        problem = f"tests timed out after {timeout:g}s"
    elif fatal:
        problem = fatal
    elif done is None or (not any(r.get("kind") == "collected" for r in records) and done not in (0, 5)):
        lines = [ln.strip() for ln in output.splitlines() if ln.strip()]
        errs = [ln for ln in lines if ln.startswith(("E ", "ERROR")) or "Error" in ln.split(":")[0]]
        detail = (errs or lines or ["no output"])[-1].removeprefix("E ").strip()[:200]
        problem = (f"pytest did not finish (exit code {exit_code}): {detail}" if done is None
                   else f"pytest stopped before running tests (exit code {done}): {detail}")

    outcomes: dict[str, TestOutcome] = {}
    for tid in ids:
        members = [n for n in by_node if n == tid or ("[" not in tid and n.startswith(tid + "::"))]
        if members:
            outs = [_outcome_of(by_node[n]) for n in members]
            outcomes[tid] = outs[0] if len(outs) == 1 and members[0] == tid else _aggregate(outs)
            continue
        file = tid.split("::")[0]
        was_collected = tid in collected or any(c.startswith(tid + "::") for c in collected)
        if file in missing_files:
            why = f"not collected: file {file} does not exist"
        elif file in collect_errors or any(k and tid.startswith(k) for k in collect_errors):
            key = file if file in collect_errors else next(k for k in collect_errors if k and tid.startswith(k))
            why = f"not collected: collection error in {key}: {collect_errors[key]}"
        elif was_collected:
            why = problem or "collected but never ran"
        elif problem and not collected:
            why = problem
        else:
            why = "not collected: no test with this id (renamed, removed, or a different parametrization?)"
        outcomes[tid] = TestOutcome(outcome="error", message=why, collected=was_collected)
    nodes = {n: _outcome_of(reps) for n, reps in by_node.items()}
    return TestRun(outcomes=outcomes, exit_code=exit_code, timed_out=timed_out, duration_s=round(wall, 3),
                   problem=problem, output_tail=_tail(output), nodes=nodes)
