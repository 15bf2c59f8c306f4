"""Every aggregator keeps the `Aggregator` contract (agents.protocols): `aggregate(ctx, samples)`
merges the K samples of a step into candidates whose `source` is "aggregate", ignores invalid
samples, and still yields a candidate from its prior/seed when there are no samples.

Discovered from `agents.strategies.AGGREGATORS`, plus the SWE `LocalizeVote` (a Borda merge with a
lexical prior over a small repository).
"""
from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from agents.protocols import Aggregator, config_of
from agents.state import Candidate, Task
from agents.strategies import AGGREGATORS
from agents.swe.localize import LocalizeVote
from tests.agents.conformance import make_ctx


@dataclass
class Harness:
    make: Callable[[], Any]               # the aggregator with its prior/seed
    bare: Callable[[], Any]               # the same without a prior/seed (None: it always has one)
    samples: Callable[[], list[Any]]      # contents of K valid samples
    junk: Any                             # content of an invalid sample (must not reach the merge)
    items: Callable[[Any], list[str]]     # the items a merged candidate holds, as strings
    sample_items: Callable[[Any], list[str]] = None  # a sample's items (default: `items`)

    def of_sample(self, content: Any) -> list[str]:
        return (self.sample_items or self.items)(content)


def _ranked(content: Any) -> list[str]:
    return [json.dumps(i, sort_keys=True) if not isinstance(i, str) else i for i in content]


HARNESSES: dict[str, Harness] = {}
for _name in AGGREGATORS:
    if _name == "borda":
        HARNESSES[_name] = Harness(
            make=lambda: AGGREGATORS["borda"](prior=lambda ctx: {"prior-item": 0.5}),
            bare=lambda: AGGREGATORS["borda"](),
            samples=lambda: [["a", "b", "c"], ["b", "a"], ["b", "d"]],
            junk=["evil", "a"], items=_ranked)
    elif _name == "union":
        HARNESSES[_name] = Harness(
            make=lambda: AGGREGATORS["union"](seed=lambda ctx: ["seed-test"]),
            bare=lambda: AGGREGATORS["union"](),
            samples=lambda: [["t1", "t2"], ["t2", "t3"], [{"name": "t4"}]],
            junk=["evil"], items=_ranked)
    else:  # a new aggregator must get a harness here
        raise AssertionError(f"no conformance harness for aggregator {_name!r}: add one")

HARNESSES["localize_vote"] = Harness(
    make=lambda: LocalizeVote(shortlist=5), bare=None,  # the lexical prior is built in
    samples=lambda: [[["pkg/math_utils.py", "add"]], [["pkg/math_utils.py", ""], ["pkg/io.py", "read"]],
                     [["pkg/io.py", "read"]]],
    junk=[["pkg/unrelated.py", "zzz"]],
    items=lambda content: list(content["files"]), sample_items=lambda content: [p[0] for p in content])


def _repo(tmp: Path) -> Task:
    (tmp / "pkg").mkdir()
    (tmp / "pkg" / "math_utils.py").write_text("def add(a, b):\n    return a - b\n")
    (tmp / "pkg" / "io.py").write_text("def read(path):\n    return open(path).read()\n")
    (tmp / "pkg" / "unrelated.py").write_text("def zzz():\n    return 0\n")
    return Task(id="t", input={"workdir": str(tmp), "problem_statement": "add returns the difference of math"})


@pytest.fixture
def ctx(tmp_path):
    return make_ctx(task=_repo(tmp_path))


def _samples(contents: list[Any], junk: Any = None) -> list[Candidate]:
    out = [Candidate(id=f"s{i}", content=c, text=str(c), finish_order=i + 1) for i, c in enumerate(contents)]
    if junk is not None:
        out.insert(1, Candidate(id="junk", content=junk, text=str(junk), error="ValueError: unparseable"))
    return out


pytestmark = pytest.mark.parametrize("name", list(HARNESSES))


def test_signature_is_ctx_samples(name):
    agg = HARNESSES[name].make()
    assert isinstance(agg, Aggregator)
    assert list(inspect.signature(agg.aggregate).parameters) == ["ctx", "samples"]
    assert inspect.iscoroutinefunction(agg.aggregate)


async def test_merges_samples_into_aggregate_candidates(name, ctx):
    h = HARNESSES[name]
    merged = await h.make().aggregate(ctx, _samples(h.samples()))
    assert merged and all(isinstance(c, Candidate) for c in merged)
    assert all(c.source == "aggregate" for c in merged)
    assert any(c.valid for c in merged)
    assert len({c.id for c in merged}) == len(merged)
    sampled = {i for content in h.samples() for i in h.of_sample(content)}
    assert sampled & {i for c in merged if c.valid for i in h.items(c.content)}


async def test_invalid_samples_are_ignored(name, ctx):
    h = HARNESSES[name]
    clean = await h.make().aggregate(ctx, _samples(h.samples()))
    dirty = await h.make().aggregate(ctx, _samples(h.samples(), junk=h.junk))
    assert [c.content for c in dirty] == [c.content for c in clean]
    only_junk = set(h.of_sample(h.junk)) - {i for content in h.samples() for i in h.of_sample(content)}
    assert only_junk
    assert not only_junk & {i for c in dirty if c.valid for i in h.items(c.content)}


async def test_no_samples_still_yields_a_candidate_from_the_prior(name, ctx):
    h = HARNESSES[name]
    merged = await h.make().aggregate(ctx, [])
    assert merged and all(c.source == "aggregate" for c in merged)
    assert any(c.valid for c in merged), [c.error for c in merged]


async def test_nothing_at_all_gives_an_invalid_candidate_not_a_crash(name, ctx):
    h = HARNESSES[name]
    if h.bare is None:
        pytest.skip("this aggregator always has a prior")
    merged = await h.bare().aggregate(ctx, [Candidate(id="x", content=None, error="no parse")])
    assert merged and all(c.source == "aggregate" and not c.valid and c.error for c in merged)


async def test_deterministic(name, ctx):
    h = HARNESSES[name]
    a = await h.make().aggregate(ctx, _samples(h.samples()))
    b = await h.make().aggregate(ctx, _samples(h.samples()))
    assert [(c.content, c.text, c.error) for c in a] == [(c.content, c.text, c.error) for c in b]


def test_config_is_json_serializable(name):
    cfg = config_of(HARNESSES[name].make())
    assert json.loads(json.dumps(cfg)) == cfg and cfg["type"]
