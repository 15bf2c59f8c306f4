"""The plan stage: a checklist of search queries, sized to the search budget the model sees."""
from __future__ import annotations

from typing import Any

from agents.controllers import AcceptController
from agents.stage import Stage
from agents.web.actions import _json
from agents.web.control import tools_left
from agents.web.prompts import budget_block, plan_prompt

PLAN_SCHEMA = {"type": "object", "properties": {"queries": {"type": "array", "items": {"type": "string"}}},
               "required": ["queries"]}


class PlanStage(Stage):
    name = "plan"
    k = 1
    max_tokens = 56
    temperature = 0.0
    tracker: bool = True
    settings = ("tracker",)

    def __init__(self, **kw: Any):
        kw.setdefault("controller", AcceptController())
        super().__init__(**kw)

    def size(self, ctx) -> int:
        searches = tools_left(ctx).get("search")
        return max(1, min(4, searches if searches is not None else 4)) if self.tracker else 3

    def prompt(self, ctx):
        block = budget_block(ctx.stage_tracker) if self.tracker else None
        return plan_prompt(ctx.task.input["question"], block, self.size(ctx))

    def params(self, ctx, n: int | None = None, **update: Any):
        return super().params(ctx, n, json_schema=PLAN_SCHEMA, **update)

    def parse(self, ctx, request, text: str) -> list[str]:
        queries = [" ".join(str(q).split())[:200] for q in _json(text).get("queries") or [] if str(q).strip()]
        if not queries:
            raise ValueError("no queries")
        return list(dict.fromkeys(queries))[: self.size(ctx)]
