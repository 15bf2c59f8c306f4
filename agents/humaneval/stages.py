"""HumanEval pipeline (CodeMonkeys-style): the model writes tests → K solutions → run every solution
against every generated test in the sandbox → select by test vote → dig deeper with the failures.

`single_pipeline()` is the baseline: one greedy sample, no verification.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

from agents.context import StepContext
from agents.controllers import AcceptController, RuleController
from agents.graph import Pipeline
from agents.humaneval.data import docstring_examples
from agents.models.base import Message
from agents.stage import Stage
from agents.state import Candidate, Details, SampleRequest, Verdict
from agents.strategies import BestScore, TestVote, UnionMerge
from agents.verifiers import ExecSpec, ExecutionVerifier

RUNNER = (Path(__file__).parent / "runner_script.py").read_text()
SYSTEM = "You are an expert Python programmer. Answer with code only, in one ```python block."
_BLOCK = re.compile(r"```(?:python|py)?\s*\n(.*?)(?:```|$)", re.S)


def extract_code(text: str) -> str:
    blocks = [b for b in _BLOCK.findall(text) if b.strip()]
    return max(blocks, key=len) if blocks else text


def _docstring_tests(ctx: StepContext) -> list[str]:
    return list(docstring_examples(ctx.task.input["prompt"], ctx.task.input["entry_point"]))


def program(ctx: StepContext, code: str) -> str:
    """The problem's prompt (imports, helpers, signature + docstring) then the candidate's code."""
    return ctx.task.input["prompt"] + "\n\n" + code + "\n"


class WriteTests(Stage):
    """Sample K test lists; keep asserts that parse and call the function; the aggregator merges them
    (deduplicated) after the docstring's examples into one candidate."""

    name = "tests"
    k = 2
    max_tokens = 384
    temperature = 0.7

    def __init__(self, **kw: Any):
        kw.setdefault("controller", AcceptController())
        kw.setdefault("aggregator", UnionMerge(limit=24, seed=_docstring_tests))
        super().__init__(**kw)

    def prompt(self, ctx: StepContext) -> list[Message]:
        ep = ctx.task.input["entry_point"]
        return [{"role": "system", "content": "You are an expert Python tester."},
                {"role": "user", "content": f"```python\n{ctx.task.input['prompt']}```\n\nWrite 6 assert statements "
                 f"that check `{ep}` on typical and edge cases, one per line, e.g. `assert {ep}(...) == ...`. "
                 f"Do not implement the function. Only the asserts, in one ```python block."}]

    def parse(self, ctx: StepContext, request: SampleRequest, text: str) -> list[str]:
        ep = ctx.task.input["entry_point"]
        out = []
        for line in extract_code(text).splitlines():
            s = line.strip()
            if s.startswith("assert ") and f"{ep}(" in s:
                try:
                    ast.parse(s)
                    out.append(s)
                except SyntaxError:
                    continue
        return out


class Solve(Stage):
    """K solutions per step, verified against the generated tests; refine the best with failures.
    `greedy_first`: the first step's K are the greedy answer (what `single` returns: the same prompt
    at temperature 0) and K-1 samples, so the vote can always keep what one attempt gets right."""

    name = "solve"
    k = 4
    max_tokens = 512
    temperature = 0.8
    greedy_first = False
    settings = ("greedy_first",)

    def __init__(self, *, tests_stage: str | None = "tests", **kw: Any):
        self.tests_stage = tests_stage
        if tests_stage:
            kw.setdefault("verifier", ExecutionVerifier(self._exec_spec, self._judge))
            kw.setdefault("strategy", TestVote())
            kw.setdefault("controller", RuleController(accept_score=1.0, promising=0.0, max_digs=2,
                                                       max_pivots=1, max_steps=4))
        super().__init__(**kw)

    def requests(self, ctx: StepContext) -> list[SampleRequest]:
        if self.greedy_first and self.k > 1 and ctx.mode == "sample" and ctx.step == 0:
            return self.greedy_and_samples(ctx)
        return super().requests(ctx)

    def prompt(self, ctx: StepContext) -> list[Message]:
        task = (f"Complete this Python function. Reply with the whole function (signature and body) "
                f"in one ```python block.\n\n```python\n{ctx.task.input['prompt']}```")
        if ctx.mode == "refine" and ctx.best:
            cand, verdict = ctx.best
            task += (f"\n\nA previous attempt:\n```python\n{cand.content}\n```\nIt failed these checks:\n"
                     f"{verdict.feedback}\nWrite a corrected version.")
        elif ctx.mode == "pivot":
            task += "\n\nEarlier attempts were wrong. Think about the problem afresh and use a different approach."
        return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": task}]

    def parse(self, ctx: StepContext, request: SampleRequest, text: str) -> str:
        code = extract_code(text).strip()
        ep = ctx.task.input["entry_point"]
        if f"def {ep}" not in code:
            raise ValueError(f"no definition of {ep}")
        ast.parse(program(ctx, code))
        return code

    def key(self, ctx: StepContext, content: Any) -> str:
        return re.sub(r"\s+", " ", str(content))

    def _exec_spec(self, ctx: StepContext, cand: Candidate) -> ExecSpec:
        """The harness (runner_script.py) runs the asserts itself and the candidate in a process of
        its own; its verdict carries a nonce derived from the candidate id that the candidate never sees."""
        from agents.humaneval.runner_script import make_spec, nonce_for

        spec = make_spec(mode="tests", prompt=ctx.task.input["prompt"], source=program(ctx, cand.content),
                         entry_point=ctx.task.input["entry_point"], nonce=nonce_for(cand.id),
                         tests=ctx.output(self.tests_stage) or [], timeout=3.0)
        return ExecSpec(files={"spec.json": spec, "runner.py": RUNNER}, command="python3 -I runner.py", timeout=30)

    def _judge(self, ctx: StepContext, cand: Candidate, result) -> Verdict:
        from agents.humaneval.runner_script import nonce_for, read_verdict

        tests = ctx.output(self.tests_stage) or []
        data = read_verdict(result.stdout, result.exit_code, nonce_for(cand.id))
        got = data.get("tests") if data else None
        if not isinstance(got, dict):
            why = (data.get("load_error") or data.get("harness_error")) if data else (
                "timed out" if result.timed_out else
                f"no verdict from the test harness (exit code {result.exit_code}): {result.stderr[-300:]}")
            return Verdict(candidate_id=cand.id, score=0.0, passed=False, feedback=str(why),
                           details=Details(tests={str(i): False for i in range(len(tests))}))
        rows = {str(i): got.get(str(i)) for i in range(len(tests))}
        rows = {k: v if isinstance(v, list) and len(v) == 2 else [False, "no result"] for k, v in rows.items()}
        outcome = {k: v[0] is True for k, v in rows.items()}
        failures = [f"{tests[int(k)]}  # {str(rows[k][1])[:300]}" for k, ok in outcome.items() if not ok]
        frac = sum(outcome.values()) / len(outcome) if outcome else 0.0
        return Verdict(candidate_id=cand.id, score=frac, passed=not failures, uncertainty=1.0 - frac,
                       feedback="\n".join(failures[:6]), details=Details(tests=outcome))


def scaled_pipeline(*, k: int = 4, test_samples: int = 2, max_steps: int = 3, accept_score: float = 0.8,
                    greedy_first: bool = True) -> Pipeline:
    """Generated tests are noisy (small models write some wrong asserts), so a solution that passes
    `accept_score` of them is accepted rather than refined toward the wrong ones; one refinement
    that does not improve ends digging (then one pivot), which bounds the compute per problem. The
    first step's K hold the greedy answer (`greedy_first`): sampled solutions alone lost problems
    one greedy attempt solves (HumanEval/6 at 3k and 6k tokens, 0.5B)."""
    return Pipeline([WriteTests(k=test_samples, share=0.25),
                     Solve(k=k, share=None, greedy_first=greedy_first,
                           controller=RuleController(accept_score=accept_score, promising=0.0,
                                                     max_digs=1, max_pivots=1, max_steps=max_steps))],
                    name="humaneval")


def single_pipeline() -> Pipeline:
    return Pipeline([Solve(k=1, tests_stage=None, temperature=0.0, strategy=BestScore(),
                           controller=AcceptController())], name="humaneval-single")
