"""The LLM-guided proposer of AgentTTS (Wang et al., 2025: "AgentTTS: Large Language Model Agent
for Test-time Compute-optimal Scaling Strategy in Multi-stage Complex Tasks").

An LLM agent proposes each next allocation plan from (1) the search space, (2) the paper's three
empirical insights on multi-stage test-time scaling, stated in the prompt, and (3) the feedback of
every trial so far (plan, solved, share of hidden tests passing, cost). Its reply is a JSON plan, snapped onto the grid
(`SearchSpace.clamp`); a reply with no JSON gets a mutation of the best plan so far instead (so a
weak tuner model still explores around what works)."""
from __future__ import annotations

import json
import random
import re
from typing import Any

from budgets.plan import Plan

from agents.models.base import GenerationParams, Model
from agents.tune.search import Trial
from agents.tune.space import SearchSpace

INSIGHTS = """Insights on test-time scaling of multi-stage tasks (AgentTTS):
1. Stages differ in which model they prefer: a small model sampled several times can match a large
   one on easy stages (ranking files, writing tests), while hard stages (writing the patch) need the
   larger model.
2. More samples help a stage up to a point, then saturate: past it, extra budget is wasted; find
   each stage's knee instead of raising K everywhere.
3. Stages depend on each other: budget spent on an early stage (localization, reproduction tests)
   pays only if the later stages can use it; starving the patch stage loses everything.
   (patch settings.focus 2.0, the default: when the localization votes agree, every patch sample
   goes to the top file; 0.0 hedges half of them on the runner-up. patch settings.edit_format
   "function" writes back only the localized function instead of the whole file: cheaper samples,
   so more fit the patch stage's share, but none when the bug is outside that function.)"""


class AgentTTSProposer:
    """`await proposer(space, trials) -> (plan, reason)`; counts its own tokens in `tokens`."""

    def __init__(self, model: Model, *, objective: str = "", seed: int = 0, max_tokens: int = 400):
        self.model, self.objective, self.max_tokens = model, objective, max_tokens
        self.rng = random.Random(seed)
        self.tokens = 0
        self.replies: list[str] = []

    def messages(self, space: SearchSpace, trials: list[Trial]) -> list[dict[str, str]]:
        history = "\n".join(
            f"- {json.dumps(_compact(t.plan))} -> {t.result()}" for t in trials) or "(none yet: propose a first plan from the insights)"
        return [{"role": "system", "content": "You allocate a test-time compute budget across the stages of an "
                                              "agent pipeline. Reply with one JSON object only."},
                {"role": "user", "content": f"{self.objective}\n\n{INSIGHTS}\n\nSearch space:\n{space.describe()}\n\n"
                 f"Trials so far (plan -> result):\n{history}\n\nPropose the next plan to try: one not tried yet, "
                 "most likely to solve more tasks, then to cost less. Shares must add up to at most 1. Reply as "
                 '{"reason": "...", "stages": {"STAGE": {"share": 0.2, "k": 2, "temperature": 0.8'
                 + (', "model": "..."' if space.models else "") + "}, ...}}"}]

    async def __call__(self, space: SearchSpace, trials: list[Trial]) -> tuple[Plan, str]:
        reply = ""
        try:
            done = await self.model.complete(self.messages(space, trials),
                                             GenerationParams(max_tokens=self.max_tokens, temperature=0.7,
                                                              seed=self.rng.randrange(1 << 30)))
            self.tokens += done.usage.input_tokens + done.usage.output_tokens
            reply = done.choices[0].text if done.choices else ""
        except Exception as e:  # noqa: BLE001  a tuner model that fails must not end the search
            reply = f"(tuner model failed: {type(e).__name__}: {str(e)[:200]})"
        self.replies.append(reply)
        data = parse_reply(reply)
        if data is None:
            return self.mutate(space, trials), "no JSON plan in the tuner's reply: a mutation of the best plan"
        return space.clamp(data), str(data.get("reason", ""))[:300] or "(no reason given)"

    def mutate(self, space: SearchSpace, trials: list[Trial]) -> Plan:
        if not trials:
            return space.uniform()
        best = max(trials, key=lambda t: t.objective()).plan
        data = {n: s.values() for n, s in best.stages.items()}
        stage = self.rng.choice([s for s in space.stages if s.ks] or space.stages)
        move = self.rng.choice(["k", "temperature", "share"] + (["model"] if len(space.models) > 1 else [])
                               + (["setting"] if stage.settings else []))
        cur = data.setdefault(stage.name, {})
        if move == "k" and stage.ks:
            cur["k"] = self.rng.choice([k for k in stage.ks if k != cur.get("k")] or list(stage.ks))
        elif move == "temperature" and stage.temperatures:
            cur["temperature"] = self.rng.choice(stage.temperatures)
        elif move == "model":
            cur["model"] = self.rng.choice(space.models)
        elif move == "setting":
            settings, name = dict(cur.get("settings") or {}), self.rng.choice(sorted(stage.settings))
            grid = stage.settings[name]
            settings[name] = self.rng.choice([v for v in grid if v != settings.get(name)] or list(grid))
            cur["settings"] = settings
        else:
            cur["share"] = float(cur.get("share") or 0.2) * self.rng.choice([0.5, 1.5, 2.0])
        return space.clamp({"stages": data})


def parse_reply(text: str) -> dict[str, Any] | None:
    """The first JSON object in `text` (fenced or bare) that has `stages`, else None."""
    for m in re.finditer(r"\{", text):
        depth = 0
        for j in range(m.start(), len(text)):
            depth += {"{": 1, "}": -1}.get(text[j], 0)
            if depth == 0:
                try:
                    data = json.loads(text[m.start(): j + 1])
                except json.JSONDecodeError:
                    break
                if isinstance(data, dict) and isinstance(data.get("stages"), dict):
                    return data
                break
    return None


def _compact(plan: Plan) -> dict[str, Any]:
    return {n: s.values() for n, s in plan.stages.items()}
