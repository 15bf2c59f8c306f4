"""The issue's own example as a behaviour probe in patch verification (agents/swe/example_probe.py):
a patch that changes what the example prints beats one that passes the same tests and changes
nothing; a crash earns nothing; no example (or a broken one) changes nothing; addresses and hostile
output do not count as a change."""
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from swe_scripted import wrap_model

from agents.state import Candidate, Task
from agents.strategies import TestVote
from agents.swe import solve_instance
from agents.swe.example_probe import EXAMPLE_TEST, OUTPUT_CHARS, issue_examples
from agents.swe.patch_verify import PatchVerifier
from budgets import Budget
from tests.agents.conformance import make_ctx
from tools.edits import unified_diff

SRC = ("class Counter:\n    def __init__(self):\n        self.hits = 0\n\n    def hit(self):\n        self.hits += 1\n\n"
       "    def clear(self):\n        pass\n\n    def info(self):\n        return f'hits={self.hits}'\n")
TESTS = "from counter import Counter\n\n\ndef test_hit():\n    c = Counter()\n    c.hit()\n    assert c.hits == 1\n"
ISSUE = ("`clear()` does not reset the hits:\n\n```python\nfrom counter import Counter\nc = Counter()\nc.hit()\n"
         "c.clear()\nprint(c.info())\n# hits=0 expected\n```\n")
RIGHT = SRC.replace("    def clear(self):\n        pass\n", "    def clear(self):\n        self.hits = 0\n")
DEAD = SRC + "\n\ndef unused_helper():\n    return None\n"
CRASH = SRC.replace("    def clear(self):\n        pass\n", "    def clear(self):\n        raise RuntimeError('no')\n")


def _task(tmp_path, issue):
    repo = tmp_path / "repo"
    (repo / "tests").mkdir(parents=True)
    (repo / "counter.py").write_text(SRC)
    (repo / "tests" / "test_counter.py").write_text(TESTS)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", str(repo)]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run(git + ["add", "-A"], check=True)
    subprocess.run(git + ["commit", "-qm", "base"], check=True)
    base = subprocess.run(git + ["rev-parse", "HEAD"], check=True, capture_output=True, text=True).stdout.strip()
    return Task(id="c", kind="swe", input={"repo_path": str(repo), "base_commit": base, "workdir": str(repo),
                                           "problem_statement": issue})


def _cands(*texts):
    return [Candidate(id=f"c{i}", content={"patch": unified_diff({"counter.py": (SRC, t)})}, text=t,
                      finish_order=i + 1) for i, t in enumerate(texts)]


async def _verify(tmp_path, issue, *texts, budget=None):
    ctx = make_ctx(task=_task(tmp_path, issue), sandbox="local", budget=budget)
    cands = _cands(*texts)
    return ctx, cands, await PatchVerifier().verify(ctx, cands)


def test_examples_are_the_python_blocks_that_parse_and_run_something():
    assert issue_examples(ISSUE) == [("from counter import Counter\nc = Counter()\nc.hit()\nc.clear()\n"
                                      "print(c.info())\n# hits=0 expected\n")]
    assert issue_examples("no code here, only `clear()` prose") == []
    assert issue_examples("```python\ndef f(:\n    pass\n```") == []                 # does not parse
    assert issue_examples("```bash\necho hi\n```\n```\nprint(1)\n```") == []          # not python
    assert issue_examples("```python\nimport os\ndef f():\n    return 1\n```") == []  # defines only
    assert issue_examples("```python\nTraceback (most recent call last):\n  File x\nKeyError: 1\n```") == []
    assert issue_examples("```python\nprint(1)\n" + "x = 1\n" * 2000 + "```") == []   # too long
    assert len(issue_examples("```python\nprint(1)\n```\n" * 5)) == 3
    # a REPL transcript: its statements run as the REPL runs them, the shown output is dropped
    repl = issue_examples("```python\n>>> x = [1,\n...      2]\n>>> x\n[1, 2]\n```")
    assert len(repl) == 1 and "[1, 2]\n" not in repl[0].split("for _src")[0]
    out = subprocess.run([sys.executable, "-"], input=repl[0], capture_output=True, text=True, check=True)
    assert out.stdout == "[1, 2]\n"


async def test_a_patch_that_changes_the_example_beats_dead_code_at_equal_tests(tmp_path):
    ctx, cands, (right, dead) = await _verify(tmp_path, ISSUE, RIGHT, DEAD)
    assert right.details.example == "changed" and dead.details.example == "same"
    assert right.details.regressions == dead.details.regressions == []
    assert right.score > dead.score and right.score - dead.score < 0.1  # a tie-break, not a fix
    assert right.details.tests[EXAMPLE_TEST].credit > 0 == dead.details.tests[EXAMPLE_TEST].credit
    assert "prints the same as before" in dead.feedback
    sel = await TestVote().select(ctx, cands, [dead, right])  # what patch and select rank with
    assert sel.winner == "c0" and sel.scores["c0"] > sel.scores["c1"]
    assert ctx.tracker.spent.tools["run_tests"] == 6  # base tests, base example, 2 x (tests + example)
    # a verdict reused from the cache keeps the probe's result
    again = await PatchVerifier().verify(ctx, [cands[0].model_copy(update={"id": "c9"})])
    assert again[0].details.example == "changed" and again[0].details.same_as == "c0"
    assert ctx.tracker.spent.tools["run_tests"] == 6


async def test_a_patch_that_makes_the_example_crash_gets_no_credit(tmp_path):
    _, _, (crash, dead) = await _verify(tmp_path, ISSUE, CRASH, DEAD)
    assert crash.details.example == "crashed" and crash.score == dead.score
    assert crash.details.tests[EXAMPLE_TEST].credit == 0


async def test_no_example_or_a_broken_one_changes_nothing(tmp_path):
    for i, issue in enumerate(["clear() does not reset the hits", "```python\nc.clear(\n```"]):
        ctx, _, (right, dead) = await _verify(tmp_path / str(i), issue, RIGHT, DEAD)
        assert right.details.example == dead.details.example == "none"
        assert EXAMPLE_TEST not in right.details.tests and right.score == dead.score == 0.5
        assert ctx.tracker.spent.tools["run_tests"] == 3  # no example run at all


async def test_an_address_in_the_output_is_not_a_change(tmp_path):
    issue = "```python\nfrom counter import Counter\nprint(object(), Counter())\nprint(Counter().info())\n```"
    _, _, (dead,) = await _verify(tmp_path, issue, DEAD)
    assert dead.details.example == "same"


async def test_an_example_whose_output_is_not_stable_is_not_used(tmp_path):
    issue = "```python\nimport os\nprint(os.urandom(8).hex())\n```"
    ctx, _, (right, dead) = await _verify(tmp_path, issue, RIGHT, DEAD)
    assert right.details.example == dead.details.example == "none" and right.score == dead.score
    assert ctx.memo["example_base"]["stable"] is False
    assert ctx.tracker.spent.tools["run_tests"] == 4  # the base commit's example ran (twice, one call)


async def test_an_example_that_cannot_run_on_the_base_commit_is_tried_once(tmp_path, monkeypatch):
    import sandboxes.pyenv

    def broken(*a, **kw):
        raise sandboxes.pyenv.EnvError("no environment")

    monkeypatch.setattr(sandboxes.pyenv, "use_environment", broken)
    ctx, _, (right, dead) = await _verify(tmp_path, ISSUE, RIGHT, DEAD)
    assert right.details.example == dead.details.example == "none" and right.score == dead.score
    assert ctx.tracker.spent.tools["run_tests"] == 4  # base tests, 2 patches' tests, one example try


async def test_hostile_example_output_is_capped_and_cleaned(tmp_path):
    issue = ("```python\nimport sys\nsys.stdout.buffer.write(bytes(range(256)) * 40000)\n"
             "sys.stdout.flush()\nraise ValueError('E' * 10**6)\n```")
    ctx, _, (right,) = await _verify(tmp_path, issue, RIGHT)
    assert right.details.example == "same"
    base = ctx.memo["example_base"]["runs"][0]
    assert len(base["out"]) <= OUTPUT_CHARS and not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", base["out"])
    assert base["exc"].startswith("ValueError: EEE") and len(base["exc"]) <= 300
    json.dumps(ctx.memo)


async def test_a_budget_that_cannot_pay_for_the_example_skips_it(tmp_path):
    _, _, (right,) = await _verify(tmp_path, ISSUE, RIGHT, budget=Budget(tools={"run_tests": 2}))
    assert right.details.example == "none" and right.score == 0.5 and right.passed is None


async def test_solve_picks_the_patch_that_changes_the_issue_example(wraptext, tmp_path):
    """wraptext-1's issue is a REPL transcript; no usable reproduction test; the first sample adds dead
    code, the second fixes the bug; the judge (scripted) prefers the dead code. The final patch is the
    fix: the example's output decides before the judge is asked."""
    inst, src = wraptext
    fixed = src.replace("current_len + needed >= width", "current_len + needed > width")
    dead = src + "\n\ndef unused_helper():\n    return None\n"
    calls = {"n": 0}

    def patch(prompt):
        calls["n"] += 1
        return dead if calls["n"] == 1 else fixed

    passing_repro = "```python\nfrom wraptext import wrap\n\ndef test_ok():\n    assert wrap('', width=7) == []\n```"
    model = wrap_model(passing_repro, patch)
    inner = model._default

    def respond(messages, params):
        user = messages[-1]["content"]
        if "Which candidate is best" in user:
            parts = re.split(r"### Candidate (\d+)\n", user)
            return json.dumps({"best": next(int(n) for n, body in zip(parts[1::2], parts[2::2])
                                            if "unused_helper" in body)})
        return inner(messages, params)

    model._default = respond
    res = await solve_instance(inst, model=model, run_dir=tmp_path / "run", mode="best_of_n", k=4)  # two samples on wrap.py
    steps = [json.loads(line) for line in (tmp_path / "run" / "trajectory.jsonl").read_text().splitlines()]
    examples = [v["details"].get("example") for s in steps if s["stage"] == "patch" for v in s["verdicts"]]
    assert "current_len + needed > width" in res.model_patch and "unused_helper" not in res.model_patch
    assert "changed" in examples and "same" in examples


async def test_the_example_imports_the_repository_as_the_tests_do(tmp_path, monkeypatch, sandbox_backend):
    """A src/ layout with a dependency installed from a wheel into the base commit's environment
    (built once): the example imports both, in the run's sandbox backend (bwrap where it works)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "sandboxes"))
    from pyenv_helpers import make_repo, offline_index, pyproject

    offline_index(monkeypatch, tmp_path)
    buggy = "from depdemo import double\n\n\ndef quad(x):\n    return double(x)\n"
    fixed = "from depdemo import double\n\n\ndef quad(x):\n    return double(double(x))\n"
    test = "from demo import quad\n\n\ndef test_zero():\n    assert quad(0) == 0\n"
    sha = make_repo(tmp_path / "repo", {**pyproject("demo", ["depdemo"]), "src/demo/__init__.py": buggy,
                                        "tests/test_demo.py": test})
    task = Task(id="d", kind="swe", input={"repo_path": str(tmp_path / "repo"), "base_commit": sha,
                                           "workdir": str(tmp_path / "repo"),
                                           "problem_statement": "```python\nfrom demo import quad\nprint(quad(1))\n```"})
    ctx = make_ctx(task=task, sandbox=sandbox_backend)
    cands = [Candidate(id=f"c{i}", content={"patch": unified_diff({"src/demo/__init__.py": (buggy, t)})}, text=t)
             for i, t in enumerate([fixed, buggy + "\n\ndef unused():\n    return 0\n"])]
    right, dead = await PatchVerifier().verify(ctx, cands)
    assert ctx.memo["example_base"]["runs"][0]["out"] == "2\n"
    assert (right.details.example, dead.details.example) == ("changed", "same")


def _without_tests(task):
    repo = task.input["repo_path"]
    subprocess.run(["git", "-C", repo, "rm", "-rq", "tests"], check=True)
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", repo, "commit", "-qm", "no tests"],
                   check=True)
    return repo, subprocess.run(["git", "-C", repo, "rev-parse", "HEAD"], check=True, capture_output=True,
                                text=True).stdout.strip()


@pytest.mark.slow
async def test_on_the_local_model_every_patch_that_breaks_no_test_is_probed(tmp_path):
    """End to end on smollm2 (whatever it writes): the tiny repository has no tests of its own, so
    every patch that applies breaks none and the issue's example runs for it; the run's test-run
    count is the base commit's tests, each patch's tests and the probes (the base commit's once)."""
    from agents.swe.instances import Instance

    repo, sha = _without_tests(_task(tmp_path, ISSUE))
    inst = Instance(instance_id="counter-1", repo=repo, base_commit=sha, problem_statement=ISSUE)
    # k=4: at seed 0, one of smollm2's four samples is a patch that applies (its example: "crashed")
    res = await solve_instance(inst, model="local/smollm2-135m", run_dir=tmp_path / "run", mode="best_of_n", k=4,
                               budget=Budget(tokens=6000, tools={"run_tests": 12}))
    assert res.status != "crashed"
    steps = [json.loads(line) for line in (tmp_path / "run" / "trajectory.jsonl").read_text().splitlines()]
    patch = [s for s in steps if s["stage"] == "patch"]
    ran = [v for s in patch for v in s["verdicts"] if not v["details"].get("same_as")
           and not v["feedback"].startswith(("not verified", "patch does not apply"))]
    probed = [v for v in ran if v["details"]["example"] != "none"]
    if not ran:
        pytest.skip("smollm2 wrote no patch that applies this time: nothing to probe")
    assert all(v["details"]["example"] in ("changed", "same", "crashed", "none") for v in ran)
    assert probed == ran  # no existing test, so no patch that applied broke one
    spent = sum(s["spend"]["tool_calls"].get("run_tests", 0) for s in patch)
    assert spent == 1 + len(ran) + (1 + len(probed) if probed else 0)
