"""Run pytest node ids inside a sandbox and get one outcome per id.

    with open_sandbox("bwrap", ws.path) as sb:
        run = run_tests(sb, ["tests/test_a.py::test_x", "tests/test_b.py::test_y[1-2]"], timeout=300)
    run.outcomes["tests/test_a.py::test_x"].outcome   # passed | failed | error | skipped | xfailed | xpassed

How: a small runner script goes in on stdin (`python -`) and calls `pytest.main` on the *files* of
the ids with a plugin that keeps only the wanted items and writes one JSON line per report to the
sandbox's stdout (written at once, so a timeout or crash keeps what ran). Passing files, not ids,
means one unknown id cannot stop pytest from running the others ("not found" aborts a whole
run), parametrized ids need no shell quoting, and `--continue-on-collection-errors` lets one
broken module not hide the rest. An id that was never collected gets outcome "error" with the
reason (missing file, collection error, no such test). An id naming a file or class (a prefix of
node ids) gets the aggregate of the tests under it.

What is trusted (issue 10): the code under test (the repository, a model's patch and tests, any
conftest.py) runs in the same process as the runner and can write to the workspace, so
- the host reads NO file the sandbox could write: no report file, no link to follow, no FIFO to
  block on. Records travel on the stdout pipe the host owns (drained by the sandbox backend with a
  byte cap and the run's timeout); the runner moves pytest's and the tests' own stdout to stderr
  first, so test output cannot fill or cut the record stream by accident;
- a record counts only on a line that starts with a per-run nonce the host put in the runner
  script; lines without it (anything a test prints, report-looking JSON included) are output;
- forged records cannot improve what the harness recorded: a test's outcome folds all its
  records worst-first (one failed report beats any number of passed ones), and a pass needs the
  test's teardown report too, so a test that ends the process early (`os._exit(0)`) is an error;
- NOT defended: code that targets this harness from inside the process (reads the nonce from the
  runner's memory, patches the plugin, or uses pytest's own hooks, e.g. a conftest.py
  `pytest_runtest_makereport` that rewrites outcomes) can make its tests report passed. Pytest
  runs the tests in-process, so no in-process report can be proof against that; the same holds
  for SWE-bench's own grading. Those records are still only read, size-capped, from the pipe.

Environment (sandboxes.pyenv): `source=(repository, base commit)` runs in that state's environment,
built when missing: its venv's interpreter and plugins, the worktree's import roots first on
PYTHONPATH (the candidate's code is what the tests import). One that cannot be built makes every
id an error with the build's one-line reason.

Interpreter without an environment: bwrap and local run the project's own interpreter (sys.executable: bwrap binds it
read-only and it has pytest; the host's /usr/bin/python3 may not); the docker image has python3
with pytest (scripts/docker_setup.sh).
"""
from __future__ import annotations

import json
import secrets
import sys
import time
from pathlib import Path

from pydantic import BaseModel

from sandboxes import Limits, Sandbox
from sandboxes.pyenv import EnvError, Environment, environment_for, use_environment

# one meaning of a test result everywhere (agents.state): passed and xfailed pass (SWE-bench counts an
# expected failure as passing); skipped does not
from agents.state import PASSING, Outcome  # noqa: F401  (re-exported)
from agents.state import TestOutcome as _Outcome

_RUNNER = r'''
import json, os, sys
SPEC = json.loads(%(spec)r)
_CHAN = os.dup(1)  # the host's stdout pipe now carries records only (not inherited by subprocesses)
os.dup2(2, 1)      # pytest's and the tests' own output go to stderr
_TAG = (SPEC.pop("nonce") + " ").encode()
def emit(**rec):
    data = _TAG + json.dumps(rec).encode() + b"\n"
    while data:
        data = data[os.write(_CHAN, data):]
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
                        "--continue-on-collection-errors", *SPEC["args"], *files], plugins=[Plugin()])
emit(kind="done", exit_code=int(code))
'''


class TestOutcome(_Outcome):
    """`agents.state.TestOutcome` (its `passed`) plus what a pytest run knows of the test."""

    duration_s: float = 0.0
    collected: bool = True  # False: the id never became a test (missing file, collection error, no such test)


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
    """Fold one test's setup/call/teardown reports into its outcome, worst first: a failed report
    wins over any passed one (the last failure, so a teardown error wins, as in SWE-bench), and a
    pass needs the teardown report (a test that ended the process has none)."""
    result: TestOutcome | None = None
    duration = sum(r["duration"] for r in reports if isinstance(r.get("duration"), (int, float)))
    for r in reports:
        when, outcome, msg = r["when"], r["outcome"], str(r.get("message") or "")
        if outcome == "failed":
            kind = "failed" if when == "call" else "error"
            result = TestOutcome(outcome=kind, message=(f"{when}: " if when != "call" else "") + msg)
        elif outcome == "skipped" and result is None:
            result = TestOutcome(outcome="xfailed" if r.get("xfail") else "skipped", message=msg)
        elif outcome == "passed" and when == "call" and result is None:
            result = TestOutcome(outcome="xpassed" if r.get("xfail") else "passed")
    if result is None:
        result = TestOutcome(outcome="error", message="pytest reported no outcome for this test")
    elif result.outcome not in ("failed", "error") and not any(r["when"] == "teardown" for r in reports):
        result = TestOutcome(outcome="error", message="the test never finished (no teardown report: "
                             "did it end the process?)")
    result.duration_s = round(duration, 4)
    return result


def _aggregate(outcomes: list[TestOutcome]) -> TestOutcome:
    order = ["error", "failed", "xpassed", "passed", "xfailed", "skipped"]
    worst = min(outcomes, key=lambda o: order.index(o.outcome))
    dur = round(sum(o.duration_s for o in outcomes), 4)
    return TestOutcome(outcome=worst.outcome, message=worst.message, duration_s=dur)


def broken(ids: list[str], problem: str) -> TestRun:
    """Nothing ran (e.g. the environment could not be built): every id is an error with `problem`."""
    return TestRun(outcomes={i: TestOutcome(outcome="error", message=problem, collected=False) for i in ids},
                   exit_code=-1, problem=problem, output_tail=problem)


def _tail(text: str, n: int = 4000) -> str:
    return text[-n:]


def run_tests(sb: Sandbox, test_ids: list[str], *, timeout: float = 300, python: str | None = None,
              env: dict[str, str] | None = None, limits: Limits | None = None,
              plugin_autoload: bool = False, source: tuple[Path | str, str] | None = None,
              environment: Environment | None = None) -> TestRun:
    """Run `test_ids` (pytest node ids relative to the workspace root) in `sb`; every id gets an outcome.
    `source` (repository, base commit) picks the environment (see the module doc) unless `python` or
    `environment` is given. Never raises for test problems (a broken environment included);
    `SandboxError`/`SandboxUnavailable` from the backend propagate."""
    ids = list(dict.fromkeys(test_ids))
    if not ids:
        return TestRun(outcomes={}, exit_code=0)
    run_env = {"COLUMNS": "200", "PYTHONHASHSEED": "0", **(env or {})}
    args: list[str] = []
    try:
        if environment is None and source is not None and python is None:
            environment = environment_for(*source)
        if environment is not None:
            python, args = use_environment(sb, environment, run_env, python)
            plugin_autoload = plugin_autoload or environment.plugin_autoload
    except EnvError as exc:
        return broken(ids, f"environment: {exc}")
    nonce = secrets.token_hex(16)
    if not plugin_autoload:
        run_env.setdefault("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")  # host plugins must not change results
    limits = limits or Limits(cpu_seconds=max(120, int(timeout) + 5), output_bytes=_RECORD_BYTES)
    script = _RUNNER % {"spec": json.dumps({"ids": ids, "nonce": nonce, "args": args})}
    t0 = time.monotonic()
    res = sb.run([python or python_for(sb.backend), "-"], stdin=script, timeout=timeout, env=run_env,
                 limits=limits)
    records, printed = _records(res.stdout, nonce)
    output = printed + ("\n" + res.stderr if res.stderr.strip() else "")
    if res.truncated:
        output += "\n[the sandbox cut its output at the byte limit: later test reports were lost]"
    return _fold(ids, records, res.exit_code, res.timed_out, timeout, time.monotonic() - t0, output)


_RECORD_BYTES = 16_000_000  # the stdout cap of a default run: ~50k reports of tests that fail verbosely
_FIELDS = {"test": {"nodeid": str, "when": str, "outcome": str}, "collected": {"ids": list},
           "collect_error": {"nodeid": str}, "missing_file": {"path": str}, "fatal": {"message": str},
           "done": {"exit_code": int}}


def _records(stdout: str, nonce: str) -> tuple[list[dict], str]:
    """The runner's records (lines tagged with this run's nonce, well-formed) and the other lines."""
    records, other = [], []
    tag = nonce + " "
    for line in stdout.splitlines():
        if not line.startswith(tag):
            other.append(line)
            continue
        try:
            rec = json.loads(line[len(tag):])
        except ValueError:
            continue  # a line cut short by a kill
        fields = _FIELDS.get(rec["kind"]) if isinstance(rec, dict) and isinstance(rec.get("kind"), str) else None
        if (fields is not None and all(isinstance(rec.get(k), t) for k, t in fields.items())
                and (rec["kind"] != "collected" or all(isinstance(i, str) for i in rec["ids"]))):
            records.append(rec)
    return records, "\n".join(other)


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
