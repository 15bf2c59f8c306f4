"""Localize: rank the files (then functions) to edit. K model samples vote (Borda), on top of a
lexical prior, because small models name wrong or invented paths most of the time; paths are
matched tolerantly. On pivot, the files chosen before are moved to the back."""
from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Any

from agents.context import StepContext
from agents.controllers import AcceptController
from agents.models.base import Message
from agents.stage import Stage
from agents.state import Candidate
from budgets import BudgetExceeded
from tools.repo import match_path, rank_files, rank_symbols, source_files, symbols

_PATHISH = re.compile(r"[\w./-]+\.py|[\w]+(?:\.[\w]+)+")


class Localize(Stage):
    name = "localize"
    k = 4
    max_tokens = 96
    temperature = 0.7
    shortlist = 12       # files shown to the model
    prior_weight = 1.0   # weight of the lexical ranking against one model vote

    def __init__(self, **kw: Any):
        kw.setdefault("controller", AcceptController())
        super().__init__(**kw)

    def _files(self, ctx: StepContext) -> tuple[Path, list[str], list[tuple[str, float]]]:
        root = Path(ctx.task.input["workdir"])
        files = source_files(root)
        ranked = rank_files(root, ctx.task.input["problem_statement"], files)
        return root, files, ranked

    def prompt(self, ctx: StepContext) -> list[Message]:
        root, files, ranked = self._files(ctx)
        lines = []
        for rel, _ in ranked[: self.shortlist]:
            names = [s.name for s in symbols((root / rel).read_text(errors="replace")) if s.kind != "class"][:12]
            lines.append(f"{rel}: {', '.join(names)}")
        issue = ctx.task.input["problem_statement"][:4000]
        return [{"role": "system", "content": "You locate bugs in Python repositories."},
                {"role": "user", "content": f"Issue:\n{issue}\n\nRepository files and their functions:\n"
                 + "\n".join(lines) + "\n\nWhich file and function must change to fix the issue? Answer with up to "
                 "3 lines `path/of/file.py::function`, most likely first, and nothing else."}]

    def parse(self, ctx: StepContext, text: str) -> list[list[str]]:
        _, files, _ = self._files(ctx)
        picks: list[list[str]] = []
        for raw in text.splitlines():
            for token in _PATHISH.findall(raw.replace("::", " ").replace(":", " ")):
                path = match_path(token, files)
                if path and all(p[0] != path for p in picks):
                    fn = raw.split("::", 1)[1].strip().strip("`()* ").split("(")[0] if "::" in raw else ""
                    picks.append([path, fn])
                    break
        if not picks:
            raise ValueError("no existing file named")
        return picks

    async def propose(self, ctx: StepContext) -> list[Candidate]:
        root, files, ranked = self._files(ctx)
        sampled: list[Candidate] = []
        if self.k > 0:
            try:
                sampled = await super().propose(ctx)
            except BudgetExceeded as e:  # the lexical ranking is free: localize without model votes
                ctx.errors.append(f"budget: {e}; localized by the lexical ranking alone")
        votes: dict[str, float] = defaultdict(float)
        fn_votes: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        for i, (rel, score) in enumerate(ranked[: self.shortlist]):
            if score > 0:
                votes[rel] += self.prior_weight * (self.shortlist - i) / self.shortlist
        for cand in sampled:
            for rank, (rel, fn) in enumerate(cand.content or []):
                votes[rel] += 1.0 / (1 + rank)
                if fn:
                    fn_votes[rel][fn.split(".")[-1]] += 1.0
        avoid = self._previous_top(ctx) if ctx.mode == "pivot" else []
        order = sorted(votes, key=lambda f: (f in avoid, -votes[f], f))
        if not order:
            order = files[:3]
        issue = ctx.task.input["problem_statement"]
        functions = {}
        for rel in order[:3]:
            src = (root / rel).read_text(errors="replace")
            ranked_syms = rank_symbols(src, issue)
            by_name = {s.name.split(".")[-1]: s.name for s, _ in ranked_syms}
            voted = [by_name[f] for f, _ in sorted(fn_votes[rel].items(), key=lambda kv: -kv[1]) if f in by_name]
            functions[rel] = list(dict.fromkeys(voted + [s.name for s, _ in ranked_syms]))[:5]
        merged = Candidate(content={"files": order[:5], "functions": functions,
                                    "votes": {f: round(votes[f], 3) for f in order[:5]}},
                           text="\n".join(order[:5]), origin=ctx.mode,
                           meta={"samples": len(sampled), "parsed": sum(c.valid for c in sampled), "avoided": avoid})
        if not order:
            merged.error = "repository has no Python source files"
        return [merged]

    def _previous_top(self, ctx: StepContext) -> list[str]:
        out = []
        for rec in ctx.history:
            for c in rec.candidates:
                if c.valid and c.content.get("files"):
                    out.append(c.content["files"][0])
        return out
