#!/usr/bin/env python3
"""Validate the SWE example suite.

Usage:
    python examples/swe/validate.py [--instances PATH] [--only ID ...] [--jobs N] [--json OUT]

For every instance, in a fresh temporary clone checked out at ``base_commit``:

1. static checks: ``patch`` touches no file under ``tests/``, ``test_patch`` touches
   only files under ``tests/``, the issue text does not name a file the fix touches,
   PASS_TO_PASS lists at least 3 tests;
2. with ``test_patch`` only (what an empty model patch is scored against): every
   FAIL_TO_PASS test fails, for the right reason (a failed assertion or a runtime
   error raised by the buggy code, not an ImportError/NameError/AttributeError or
   a collection error), and every PASS_TO_PASS test passes;
3. with ``patch`` (gold) + ``test_patch``: every FAIL_TO_PASS and PASS_TO_PASS test passes.

Tests run with ``python -m pytest`` (the interpreter running this script), with
plugin autoloading disabled so the host environment's plugins do not interfere.
Prints a table; exits 1 on any violation.  Default instances file:
``examples/swe/build/instances.jsonl`` (built first with build.py if missing).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT_ROOT = HERE.parent.parent
DEFAULT_INSTANCES = HERE / "build" / "instances.jsonl"

# A FAIL_TO_PASS test that fails with one of these fails for the wrong reason:
# the hidden test does not even reach the buggy code.
WRONG_REASONS = ("ImportError", "ModuleNotFoundError", "SyntaxError", "NameError", "IndentationError",
                 "fixture ")
# An AttributeError on a module or class means the test uses an API that does not exist
# at base_commit; an AttributeError on an instance can be the bug itself.
_MISSING_API_RE = re.compile(r"AttributeError: (module|type object) '[^']*' has no attribute")
_SUMMARY_RE = re.compile(r"^(PASSED|FAILED|ERROR|XFAIL|XPASS|SKIPPED) (\S.*?)(?: - (.*))?$")


def _env():
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") and k != "PYTHONPATH"}
    env.update(PYTEST_DISABLE_PLUGIN_AUTOLOAD="1", PYTHONDONTWRITEBYTECODE="1", COLUMNS="1000",
               GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull, LC_ALL="C.UTF-8", PYTHONHASHSEED="0")
    return env


def _run(cmd, cwd, input=None, timeout=300):
    return subprocess.run(cmd, cwd=cwd, env=_env(), input=input, capture_output=True, text=True, timeout=timeout)


def patch_files(patch):
    return sorted(set(re.findall(r"^diff --git a/\S+ b/(\S+)", patch, re.M)))


def resolve_repo(repo):
    if repo.startswith("file://"):
        repo = repo[len("file://"):]
    path = Path(repo)
    return path if path.is_absolute() else PROJECT_ROOT / path


def run_pytest(workdir, python=sys.executable, timeout=300):
    """Run the whole test suite; return ({nodeid: (status, message)}, raw output)."""
    proc = _run([python, "-m", "pytest", "-q", "-rA", "-p", "no:cacheprovider", "--tb=short"],
                workdir, timeout=timeout)
    results = {}
    for line in proc.stdout.splitlines():
        m = _SUMMARY_RE.match(line)
        if m:
            results[m.group(2)] = (m.group(1), m.group(3) or "")
    return results, proc.stdout + proc.stderr


def failure_reason(status, message):
    if status in ("MISSING", "ERROR"):
        return "wrong:" + status.lower()
    if any(message.startswith(w) for w in WRONG_REASONS) or _MISSING_API_RE.match(message):
        return "wrong:" + message.split(":")[0]
    if message.startswith("assert") or message.startswith("AssertionError") or not message:
        return "assert"
    if message.startswith("Failed: DID NOT RAISE"):
        return "no-raise"
    return message.split(":")[0]  # an exception raised by the buggy code, e.g. ValueError


def _apply(patch, workdir):
    proc = _run(["git", "apply", "--whitespace=nowarn", "-"], workdir, input=patch)
    if proc.returncode != 0:
        raise RuntimeError(f"git apply failed: {proc.stderr.strip()}")


def validate_instance(rec, python=sys.executable):
    """Validate one instance record; return a result dict with a ``problems`` list."""
    t0 = time.monotonic()
    f2p = json.loads(rec["FAIL_TO_PASS"])
    p2p = json.loads(rec["PASS_TO_PASS"])
    res = {"instance_id": rec["instance_id"], "f2p": len(f2p), "p2p": len(p2p), "problems": [],
           "test_only": "", "gold": "", "reasons": [], "seconds": 0.0}
    problems = res["problems"]

    gold_files, test_files = patch_files(rec["patch"]), patch_files(rec["test_patch"])
    if not gold_files:
        problems.append("gold patch touches no file")
    if any(f.startswith("tests/") for f in gold_files):
        problems.append("gold patch touches tests/")
    if not test_files or any(not f.startswith("tests/") for f in test_files):
        problems.append("test patch must touch files under tests/ only")
    issue = rec["problem_statement"]
    for f in gold_files:
        base = f.rsplit("/", 1)[-1]
        if f in issue or (base != "__init__.py" and base in issue):
            problems.append(f"issue text names the fixed file {f}")
    if len(p2p) < 3:
        problems.append("fewer than 3 PASS_TO_PASS tests")
    if not f2p or set(f2p) & set(p2p):
        problems.append("FAIL_TO_PASS empty or overlapping PASS_TO_PASS")

    tmp = Path(tempfile.mkdtemp(prefix=f"swe-{rec['instance_id']}-"))
    try:
        work = tmp / "repo"
        clone = _run(["git", "clone", "-q", "--no-checkout", str(resolve_repo(rec["repo"])), str(work)], tmp)
        if clone.returncode != 0:
            raise RuntimeError(f"git clone failed: {clone.stderr.strip()}")
        checkout = _run(["git", "checkout", "-q", "--detach", rec["base_commit"]], work)
        if checkout.returncode != 0:
            raise RuntimeError(f"cannot check out base_commit: {checkout.stderr.strip()}")

        # Phase 1: hidden tests only (= an empty model patch).
        _apply(rec["test_patch"], work)
        before, out1 = run_pytest(work, python)
        f2p_failing = 0
        for node in f2p:
            status, msg = before.get(node, ("MISSING", ""))
            if status == "PASSED":
                problems.append(f"FAIL_TO_PASS passes without the fix: {node}")
                continue
            f2p_failing += 1
            reason = failure_reason(status, msg)
            res["reasons"].append(reason)
            if reason.startswith("wrong:"):
                problems.append(f"FAIL_TO_PASS fails for the wrong reason ({status} {msg}): {node}")
        p2p_ok = sum(before.get(n, ("MISSING",))[0] == "PASSED" for n in p2p)
        for node in p2p:
            if before.get(node, ("MISSING",))[0] != "PASSED":
                problems.append(f"PASS_TO_PASS does not pass at base: {node} {before.get(node)}")
        res["test_only"] = f"F2P {len(f2p) - f2p_failing}/{len(f2p)} P2P {p2p_ok}/{len(p2p)}"
        res["resolved_without_fix"] = f2p_failing == 0 and p2p_ok == len(p2p)

        # Phase 2: gold + hidden tests.
        _apply(rec["patch"], work)
        after, out2 = run_pytest(work, python)
        f2p_ok = sum(after.get(n, ("MISSING",))[0] == "PASSED" for n in f2p)
        p2p_ok = sum(after.get(n, ("MISSING",))[0] == "PASSED" for n in p2p)
        for node in f2p + p2p:
            if after.get(node, ("MISSING",))[0] != "PASSED":
                problems.append(f"fails with the gold patch: {node} {after.get(node)}")
        res["gold"] = f"F2P {f2p_ok}/{len(f2p)} P2P {p2p_ok}/{len(p2p)}"
        res["resolved_with_gold"] = f2p_ok == len(f2p) and p2p_ok == len(p2p)
        if problems and os.environ.get("SWE_VALIDATE_VERBOSE"):
            res["output"] = out1 + "\n----- gold -----\n" + out2
    except Exception as exc:  # noqa: BLE001 - reported as a violation, not swallowed
        problems.append(f"error: {exc}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    res["seconds"] = round(time.monotonic() - t0, 2)
    return res


def validate_all(records, jobs=2, python=sys.executable):
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return list(pool.map(lambda r: validate_instance(r, python), records))


def print_table(results, out=sys.stdout):
    header = f"{'instance':<22} {'test.patch only':<20} {'gold + test.patch':<20} {'F2P fails with':<16} {'time':>6}  status"
    print(header, file=out)
    print("-" * len(header), file=out)
    for r in results:
        reasons = ",".join(sorted(set(r["reasons"]))) or "-"
        status = "ok" if not r["problems"] else "FAIL"
        print(f"{r['instance_id']:<22} {r['test_only']:<20} {r['gold']:<20} {reasons:<16} {r['seconds']:>5.1f}s  {status}",
              file=out)
        for p in r["problems"]:
            print(f"    ! {p}", file=out)
        if r.get("output"):
            print(r["output"], file=out)
    bad = sum(bool(r["problems"]) for r in results)
    print(f"\n{len(results) - bad}/{len(results)} instances valid", file=out)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--instances", default=str(DEFAULT_INSTANCES))
    parser.add_argument("--only", action="append", metavar="ID")
    parser.add_argument("--jobs", type=int, default=min(4, os.cpu_count() or 1))
    parser.add_argument("--json", metavar="OUT", help="also write the results as JSON")
    args = parser.parse_args(argv)
    path = Path(args.instances)
    if not path.exists() and path == DEFAULT_INSTANCES:
        sys.path.insert(0, str(HERE))
        import build  # noqa: E402

        build.build()
    with open(path, encoding="utf-8") as fh:
        records = [json.loads(line) for line in fh if line.strip()]
    if args.only:
        records = [r for r in records if r["instance_id"] in set(args.only)]
        if not records:
            print("no matching instances", file=sys.stderr)
            return 2
    results = validate_all(records, jobs=args.jobs)
    print_table(results)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 1 if any(r["problems"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
