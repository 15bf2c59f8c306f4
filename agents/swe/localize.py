"""Localize: rank the files (then functions) to edit. K model samples each name up to 3
`file::function` lines; an aggregator (`LocalizeVote`, a Borda merge) combines their votes with a
lexical prior, because small models name wrong or invented paths most of the time; paths are
matched tolerantly, and a vote for a function through a module that only re-exports it (a package's
`__init__.py`) counts for the file that defines it. On pivot, the files chosen before are moved to the back."""
from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Any, ClassVar

from agents.context import StepContext
from agents.controllers import AcceptController
from agents.models.base import Message
from agents.stage import Stage
from agents.state import Candidate, SampleRequest
from agents.strategies import BordaMerge
from tools.repo import defining_file, match_path, rank_files, rank_symbols, reexports_only, source_files, symbols

_PATHISH = re.compile(r"[\w./-]+\.py|[\w]+(?:\.[\w]+)+")


def _files(ctx: StepContext) -> tuple[Path, list[str], list[tuple[str, float]]]:
    root = Path(ctx.task.input["workdir"])
    files = source_files(root)
    return root, files, rank_files(root, ctx.task.input["problem_statement"], files)


class LocalizeVote(BordaMerge):
    """Each sample's [[file, function], ...] votes 1/(1+rank) for its files (and 1 for each function
    it names); the lexical ranking of the shortlist adds `prior_weight` × (shortlist − i) / shortlist.
    The merged candidate holds the top files, up to 5 functions for each of the top 3 (voted ones
    first, then by lexical match), and the votes."""

    name: ClassVar[str] = "localize_vote"
    weighting: str = "reciprocal"
    shortlist: int = 12
    prior_weight: float = 1.0

    async def aggregate(self, ctx: Any, samples: list[Candidate]) -> list[Candidate]:
        root, files, ranked = _files(ctx)
        votes: dict[str, float] = defaultdict(float)
        fn_votes: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        for i, (rel, score) in enumerate(ranked[: self.shortlist]):
            if score > 0:
                votes[rel] += self.prior_weight * (self.shortlist - i) / self.shortlist
        for cand in samples:
            for rank, (rel, fn) in enumerate((cand.content or []) if cand.valid else []):
                votes[rel] += self.weight(rank)
                if fn:
                    fn_votes[rel][fn.split(".")[-1]] += 1.0
        avoid = _previous_top(ctx) if ctx.mode == "pivot" else []
        order = sorted(votes, key=lambda f: (f in avoid, -votes[f], f)) or files[:3]
        issue = ctx.task.input["problem_statement"]
        functions = {}
        for rel in order[:3]:
            ranked_syms = rank_symbols((root / rel).read_text(errors="replace"), issue)
            by_name = {s.name.split(".")[-1]: s.name for s, _ in ranked_syms}
            voted = [by_name[f] for f, _ in sorted(fn_votes[rel].items(), key=lambda kv: -kv[1]) if f in by_name]
            functions[rel] = list(dict.fromkeys(voted + [s.name for s, _ in ranked_syms]))[:5]
        merged = Candidate(content={"files": order[:5], "functions": functions,
                                    "votes": {f: round(votes[f], 3) for f in order[:5]}},
                           text="\n".join(order[:5]), origin=ctx.mode, source="aggregate",
                           meta={"samples": len(samples), "parsed": sum(c.valid for c in samples), "avoided": avoid})
        if not order:
            merged.error = "repository has no Python source files"
        return [merged]


def _previous_top(ctx: StepContext) -> list[str]:
    return [c.content["files"][0] for rec in ctx.history for c in rec.candidates
            if c.valid and c.content.get("files")]


class Localize(Stage):
    name = "localize"
    tools = ()  # reads files on the host: no sandboxed test run
    k = 4
    max_tokens = 96
    temperature = 0.7
    shortlist = 12       # files shown to the model
    # the first localization's K samples include the greedy pick (what `--mode single` localizes with), so
    # a budget that pays for one sample gets that pick, not a draw at `temperature`: on the dev split the
    # 1.5B's greedy first pick was the gold file for 6 of 7 instances, its sampled first picks 27 of 35
    greedy_first = True
    settings = ("shortlist", "greedy_first")

    def __init__(self, **kw: Any):
        kw.setdefault("controller", AcceptController())
        super().__init__(**kw)
        if self.aggregator is None:
            self.aggregator = LocalizeVote(shortlist=self.shortlist)

    def requests(self, ctx: StepContext) -> list[SampleRequest]:
        if self.greedy_first and self.k > 1 and ctx.mode == "sample":  # a pivot wants other picks
            return self.greedy_and_samples(ctx)
        return super().requests(ctx)

    def prompt(self, ctx: StepContext) -> list[Message]:
        root, files, ranked = _files(ctx)
        lines = []
        for rel, _ in ranked[: self.shortlist]:
            names = [s.name for s in symbols((root / rel).read_text(errors="replace")) if s.kind != "class"][:12]
            lines.append(f"{rel}: {', '.join(names)}")
        issue = ctx.task.input["problem_statement"][:4000]
        return [{"role": "system", "content": "You locate bugs in Python repositories."},
                {"role": "user", "content": f"Issue:\n{issue}\n\nRepository files and their functions:\n"
                 + "\n".join(lines) + "\n\nWhich file and function must change to fix the issue? Answer with up to "
                 "3 lines `path/of/file.py::function`, most likely first, and nothing else."}]

    def parse(self, ctx: StepContext, request: SampleRequest, text: str) -> list[list[str]]:
        root, files, _ = _files(ctx)
        picks: list[list[str]] = []
        for raw in text.splitlines():
            for token in _PATHISH.findall(raw.replace("::", " ").replace(":", " ")):
                path = match_path(token, files)
                fn = raw.split("::", 1)[1].strip().strip("`()* ").split("(")[0] if path and "::" in raw else ""
                if path and fn and reexports_only((root / path).read_text(errors="replace")):
                    # `pkg/__init__.py::parse` names what the package re-exports: vote for where it is defined
                    path = defining_file(root, files, fn) or path
                if path and all(p[0] != path for p in picks):
                    picks.append([path, fn])
                    break
        if not picks:
            raise ValueError("no existing file named")
        return picks
