"""Reproduce: the model writes K pytest files that should fail on the base commit because of the
issue; each runs in its own worktree and sandbox; the ones that fail (not at collection) are kept,
together with the base outcomes of the repository's existing tests (for regression checks)."""
from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

from agents.context import StepContext
from agents.controllers import RuleController
from agents.models.base import Message
from agents.stage import Stage
from agents.state import Candidate, SampleRequest, Selection, Verdict
from agents.swe.checks import REPRO_DIR, node_signatures, run_checks
from agents.swe.details import ReproDetails
from tools.edits import code_blocks, complete_prefix
from tools.repo import is_test_path, source_files


def existing_tests(root: Path) -> list[str]:
    files = [f for f in source_files(root, include_tests=True) if is_test_path(f) and f.rsplit("/", 1)[-1] != "conftest.py"]
    return files[:50]


class KeepFailing:
    """Selection for reproduction tests: every candidate that failed on the base commit is kept."""

    name = "keep_failing"

    async def select(self, ctx, candidates: list[Candidate], verdicts: list[Verdict]) -> Selection:
        valid = {c.id for c in candidates if c.valid}
        good = [v.candidate_id for v in verdicts if v.passed and v.candidate_id in valid]
        rest = [c for c in candidates if c.id not in good]  # every candidate: kept, other valid, invalid
        ranking = good + [c.id for c in rest if c.valid] + [c.id for c in rest if not c.valid]
        return Selection(strategy=self.name, winner=good[0] if good else None, ranking=ranking,
                         scores={v.candidate_id: v.score for v in verdicts},
                         reason=f"{len(good)} of {len(candidates)} tests fail on the base commit")


# Small models asked for a reproduction invent an API the issue never used (lrukit-1, five demo
# seeds: 11 of the 16 tests the 1.5B model wrote called `cache.cache_info()` or imported `cache_info`,
# names only the decorated function has; none was kept): the issue's own example is the one call
# known to show the bug.
FROM_ISSUE = ("If the issue shows code that misbehaves, build each test from that code: run it as the issue "
              "does and assert the result the issue expects. Use only names the issue or the source shows. ")


class Reproduce(Stage):
    name = "reproduce"
    tools = ("run_tests",)
    k = 3
    optional = True  # without tests, patches are checked by the existing tests and the issue's example
    max_tokens = 384
    temperature = 0.7

    def __init__(self, **kw: Any):
        kw.setdefault("strategy", KeepFailing())
        kw.setdefault("controller", RuleController(accept_score=1.0, promising=2.0, max_pivots=1, max_steps=2))
        kw.setdefault("verifier", _ReproVerifier())
        super().__init__(**kw)

    def prompt(self, ctx: StepContext) -> list[Message]:
        root = Path(ctx.task.input["workdir"])
        loc = ctx.output("localize") or {}
        target = (loc.get("files") or [""])[0]
        source = (root / target).read_text(errors="replace")[:6000] if target else ""
        example = ""
        tests = existing_tests(root)
        if tests:
            head = (root / tests[0]).read_text(errors="replace").splitlines()[:12]
            example = f"\nAn existing test file ({tests[0]}) starts like this:\n```python\n" + "\n".join(head) + "\n```"
        module = target[:-3].replace("/", ".") if target else ""
        hint = ("\nThe last attempt did not reproduce the issue; write a different, more direct test."
                if ctx.mode == "pivot" else "")
        return [{"role": "system", "content": "You write minimal pytest tests that reproduce bug reports."},
                {"role": "user", "content": f"Issue:\n{ctx.task.input['problem_statement'][:3000]}\n\n"
                 f"Likely source ({target}, module `{module}`):\n```python\n{source}\n```{example}\n\n"
                 "Write one pytest file with 1-3 test functions that FAIL on the current code because of this "
                 "issue and will pass once it is fixed. Import what you test exactly as the existing tests do. "
                 f"{FROM_ISSUE}Reply with the file in one ```python block.{hint}"}]

    def parse(self, ctx: StepContext, request: SampleRequest, text: str) -> str:
        blocks = [b for b in code_blocks(text) if "def test" in b]
        if not blocks:
            raise ValueError("no test function in the reply")
        # a test file cut off by the output cap keeps the tests it finished
        code = complete_prefix(max(blocks, key=len).rstrip() + "\n")
        if "def test" not in code:
            raise ValueError("the reply was cut off before its first test function was complete")
        return code.rstrip() + "\n"

    def key(self, ctx: StepContext, content: Any) -> str:
        return str(content)


class _ReproVerifier:
    async def verify(self, ctx: StepContext, candidates: list[Candidate]) -> list[Verdict]:
        repo = Path(ctx.task.input["repo_path"])
        valid = [c for c in candidates if c.valid]
        jobs = [asyncio.to_thread(run_checks, repo, ctx.task.input["base_commit"],
                                  files={f"{REPRO_DIR}/test_repro_{i}.py": c.content},
                                  targets=[f"{REPRO_DIR}/test_repro_{i}.py"], sandbox=ctx.runtime.sandbox_backend,
                                  tracker=ctx.tracker)
                for i, c in enumerate(valid)]
        verdicts = []
        for i, (c, res) in enumerate(zip(valid, await asyncio.gather(*jobs))):
            path = f"{REPRO_DIR}/test_repro_{i}.py"
            mine = {k: v for k, v in res.outcomes.items() if k == path}
            failing = [k for k, v in mine.items() if v.outcome == "failed"]
            collected = bool(mine) and all(v.outcome != "error" for v in mine.values())
            own_bug = _own_mistake(res.output) or _misused_api(res.output, path, _repo_classes(ctx),
                                                               ctx.task.input.get("problem_statement") or "")
            ok = collected and bool(failing) and own_bug is None
            why = ("fails on the base commit as an issue reproduction should" if ok else
                   "could not be collected or imported" if not collected else
                   f"fails because of the test's own mistake ({own_bug})" if own_bug and failing else
                   "passes on the base commit")
            verdicts.append(Verdict(candidate_id=c.id, score=1.0 if ok else 0.0, passed=ok,
                                    feedback=f"{why}\n{res.output[-800:]}",
                                    details=ReproDetails(file=path, failed_tests=failing, tests=mine,
                                                         base_failures=node_signatures(res.messages(), path))))
            c.meta["file"] = path
        return verdicts


_OWN_MISTAKES = ("NameError", "ImportError", "ModuleNotFoundError", "SyntaxError", "IndentationError",
                 "fixture '")


def _own_mistake(output: str) -> str | None:
    """A test that fails with a NameError or an import error fails because of itself, not the bug.
    (A bug can raise these too, but rarely; keeping such tests would make every patch look wrong.)"""
    for marker in _OWN_MISTAKES:
        if re.search(rf"^E\s+.*{re.escape(marker)}", output, re.M):
            return marker.strip("' ")
    return None


_MISSING_ATTR = re.compile(r"^E\s+AttributeError: '(\w+)' object has no attribute '(\w+)'", re.M)
_LOCATION = re.compile(r"^(\S+?):\d+: in ", re.M)


def _misused_api(output: str, test_file: str, classes: set[str], issue: str = "") -> str | None:
    """A test that asks one of the repository's own classes for an attribute it does not have, in the
    test's own line (not inside the code under test), tests an API it imagined, not the bug (lrukit-1:
    `cache.cache_info()` where `LRUCache` has `info()`; patches then add `cache_info` instead of fixing
    the issue). An AttributeError raised inside repository code, or on a value of another type (`None`
    where the bug returns nothing), still counts as the bug's. (`--tb=short`: the last location line
    before an `E` line is the frame that raised.) An issue that itself reports a missing attribute
    ("AttributeError", "has no attribute") is about exactly that failure: then the test stands."""
    if re.search(r"AttributeError|has no attribute", issue):
        return None
    for m in _MISSING_ATTR.finditer(output):
        frames = _LOCATION.findall(output, 0, m.start())
        if m.group(1) in classes and frames and frames[-1] == test_file:
            return f"AttributeError: {m.group(1)} has no {m.group(2)}"
    return None


def _repo_classes(ctx: StepContext) -> set[str]:
    root = Path(ctx.task.input["workdir"])
    names: set[str] = set()
    for f in source_files(root):
        if f.endswith(".py"):
            names.update(re.findall(r"^\s*class (\w+)", (root / f).read_text(errors="replace"), re.M))
    return names


def kept_tests(ctx: StepContext) -> dict[str, Any]:
    """The reproduction tests that failed on the base commit, over all reproduce steps:
    {"files": {path: code}, "ids": [test files], "base": {path: {test name: failure signature}}}
    (outcomes are per file; the signatures tell a patch that changed the failure from one that did not)."""
    files: dict[str, str] = {}
    ids: list[str] = []
    base: dict[str, dict[str, str]] = {}
    for rec in ctx.history_of("reproduce"):
        by_id = {c.id: c for c in rec.candidates}
        for v in rec.verdicts:
            if v.passed and v.candidate_id in by_id:
                path = f"{REPRO_DIR}/test_repro_{rec.step}_{len(files)}.py"
                files[path] = by_id[v.candidate_id].content
                ids.append(path)
                base[path] = dict(getattr(v.details, "base_failures", {}) or {})
    return {"files": files, "ids": ids, "base": base}
