"""The issue's own example as a behaviour probe: the ```python blocks of the problem statement that
parse and run something, each run as its own script in the sandbox (the repository importable as the
tests import it) on the base commit and with a candidate patch. A patch that leaves what the example
prints unchanged cannot have fixed the behaviour the issue shows; one that changes it (without a new
exception or a hang: a crash is not a fix) at least touched it.

    blocks = issue_examples(problem_statement)          # at most MAX_BLOCKS, each under MAX_CHARS
    base = run_examples(repo, commit, blocks, sandbox=..., tracker=...)        # one run_tests call
    cand = run_examples(repo, commit, blocks, patch=diff, sandbox=..., tracker=...)
    compare(base, cand)                                 # "changed" | "same" | "crashed"

The base commit's run goes twice (`repeat=2`, still one call): an example whose output differs
between two runs of the same code (time, randomness) says nothing of a patch and is not used.

A REPL transcript (`>>>` lines) keeps its `>>>`/`...` lines, drops the shown output, and runs each
statement as the REPL does (compiled in "single" mode: an expression's value is printed); a block
showing a traceback without prompts is skipped. Blocks run one per process (a block that uses names of
an earlier one fails alike on both sides: "same"). Everything a run prints is untrusted text: capped, control
characters dropped, memory addresses (`0x...`) and the worktree's path replaced, compared as text and
never parsed. One run of every block of one patch is one `run_tests` call on the tracker (reserved
first: `BudgetExceeded` propagates and nothing runs)."""
from __future__ import annotations

import ast
import hashlib
import re
from pathlib import Path
from typing import Any

EXAMPLE_TEST = "<issue example>"  # its pseudo-test in PatchDetails.tests (no pytest id looks like it)
EXAMPLE_CREDIT = 0.1              # part of a pass a changed example earns (a moved reproduction: 0.25)
MAX_BLOCKS = 3
MAX_CHARS = 4000                  # a longer block is not an example
OUTPUT_CHARS = 4000               # of each run's normalized stdout kept
TIMEOUT = 10.0                    # seconds per block

_FENCE = re.compile(r"```[ \t]*(?:python3?|py)[ \t]*\n(.*?)\n[ \t]*```", re.DOTALL | re.IGNORECASE)
_RUNS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)
_ADDR = re.compile(r"0x[0-9a-fA-F]+")
_CTRL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_EXC = re.compile(r"^([A-Za-z_][\w.]*)(?::|$)")


def issue_examples(text: str) -> list[str]:
    """The runnable ```python blocks of `text` (see the module doc), in order, at most MAX_BLOCKS."""
    out = []
    for block in _FENCE.findall(text or ""):
        if len(block) > MAX_CHARS or "\x00" in block:
            continue
        script = _repl_script(block) if any(ln.lstrip().startswith(">>>") for ln in block.splitlines()) else (
            None if "Traceback (most recent call last)" in block else block)
        try:
            tree = ast.parse(script) if script else None
        except (SyntaxError, ValueError):
            continue
        if tree is not None and any(not isinstance(node, _RUNS) for node in tree.body):  # not only definitions
            out.append(script.rstrip() + "\n")
        if len(out) == MAX_BLOCKS:
            break
    return out


def _repl_script(block: str) -> str | None:
    """A script that runs a REPL transcript's statements as the REPL would; None if one does not parse."""
    stmts: list[list[str]] = []
    for line in block.splitlines():
        text = line.lstrip()
        if text.startswith(">>>"):
            stmts.append([text[4:] if text.startswith(">>> ") else text[3:]])
        elif text.startswith("...") and stmts:
            stmts[-1].append(text[4:] if text.startswith("... ") else text[3:])
    sources = ["\n".join(s).rstrip() + "\n" for s in stmts if "".join(s).strip()]
    try:
        for src in sources:
            compile(src, "<issue example>", "single", dont_inherit=True)
    except (SyntaxError, ValueError):
        return None
    return ("for _src in " + repr(sources) + ":\n"
            "    exec(compile(_src, '<issue example>', 'single', dont_inherit=True), globals())\n") if sources else None


def normalize(text: str, workdirs: list[str]) -> str:
    for w in sorted({w for w in workdirs if w and w != "/"}, key=len, reverse=True):
        text = text.replace(w, "<worktree>")
    text = _ADDR.sub("0x?", text.encode("utf-8", "replace").decode("utf-8", "replace"))
    return _CTRL.sub("", text)[:OUTPUT_CHARS]


def _exception(stderr: str, workdirs: list[str]) -> str:
    """The last line of a traceback at the end of `stderr` (`KeyError: 'x'`), normalized; "" if none."""
    if "Traceback (most recent call last)" not in stderr:
        return ""
    lines = [ln for ln in stderr.strip().splitlines()[-20:] if _EXC.match(ln)]  # not indented, not a marker
    return normalize(lines[-1].strip(), workdirs)[:300] if lines else ""


def _run_all(sb: Any, blocks: list[str], source: tuple[Path, str], timeout: float) -> list[dict[str, Any]] | None:
    from sandboxes import Limits
    from sandboxes.pyenv import EnvError, environment_for, use_environment

    from agents.swe.testrun import python_for

    run_env = {"PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1", "COLUMNS": "80"}
    try:
        python, _ = use_environment(sb, environment_for(*source), run_env, None)
    except EnvError:
        return None
    workdirs = [str(sb.workdir), str(Path(str(sb.workdir)).resolve())]
    limits = Limits(cpu_seconds=max(5, int(timeout) + 2), memory_mb=1024, output_bytes=64_000)
    runs = []
    for block in blocks:  # each block its own process; `-s`: no user site (`-I` would drop PYTHONPATH)
        res = sb.run([python or python_for(sb.backend), "-s", "-"], stdin=block, timeout=timeout, env=run_env,
                     limits=limits)
        runs.append({"exit": int(res.exit_code), "out": normalize(res.stdout, workdirs),
                     "exc": _exception(res.stderr, workdirs), "timeout": bool(res.timed_out)})
    return runs


def run_examples(repo: Path, commit: str, blocks: list[str], *, patch: str = "", sandbox: str = "bwrap",
                 tracker: Any = None, timeout: float = TIMEOUT, repeat: int = 1) -> list[dict[str, Any]] | None:
    """Blocking. One record per block (`repeat` rounds of them, in one charged run): exit status,
    normalized stdout, the final exception line and whether it timed out; None when the patch does
    not apply or no environment could be built."""
    from sandboxes.execution import ExecJob, execute
    from sandboxes.pyenv import prepare

    prepare(repo, commit, sandbox)
    left = tracker.seconds_left() if tracker is not None else None
    if left is not None:
        timeout = max(1.0, min(timeout, left / max(1, len(blocks) * repeat)))
    out = execute(ExecJob(repo=repo, commit=commit, patch=patch), backend=sandbox, charger=tracker,
                  runner=lambda sb: _run_all(sb, blocks * repeat, (repo, commit), timeout))
    return None if out.patch_error is not None else out.value


def compare(base: list[dict[str, Any]], cand: list[dict[str, Any]]) -> str:
    """"crashed": a block ended in an exception type the base run's did not (or hung where it did
    not); "changed": otherwise, a block's exit status, output or final exception line differs."""
    for b, c in zip(base, cand):
        kind_b, kind_c = (_EXC.match(x["exc"]) for x in (b, c))
        new_exc = kind_c is not None and (kind_b is None or kind_b.group(1) != kind_c.group(1))
        if new_exc or (c["timeout"] and not b["timeout"]):
            return "crashed"
    key = [(x["exit"], x["out"], x["exc"], x["timeout"]) for x in cand]
    return "changed" if key != [(x["exit"], x["out"], x["exc"], x["timeout"]) for x in base] else "same"


def fingerprint(runs: list[dict[str, Any]] | None) -> str:
    """A short hash of what the blocks printed, so candidates cluster by the example's behaviour."""
    if not runs:
        return ""
    text = repr([(x["exit"], x["out"], x["exc"], x["timeout"]) for x in runs])
    return hashlib.sha1(text.encode()).hexdigest()[:10]
