"""The GUI step stage: sample K action proposals → a vote over identical actions, the judge on ties
(or the judge always, `select="judge"`) → execute in the browser → observe.

One step is one action. `GuiController` (an `EpisodeController`) accepts when the task ends with a
positive reward, stops on the action limit, the budget or a failed browser, and pivots — resets the
episode (same task, same seed) and tries a different plan, told what failed — when the page's reward
says the episode failed, after repeated failed actions, or when the judge says the episode is lost.
Each action has its own budget (`step_budget`), the stage's slice is the episode's.
"""
from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

from agents.controllers import EpisodeController
from agents.gui import envs
from agents.gui.judge import ActionJudge
from agents.gui.prompts import act_messages
from agents.state import Decision, Selection, StepRecord, Verdict
from agents.stage import Stage
from agents.strategies import MajorityVote, TieBreak
from tools.browser import BrowserError, UnknownTask, check, render
from tools.browser.actions import SCHEMA

SLIM = ("elements",)  # observation fields not kept in the trajectory (the page text says it)


class GuiController(EpisodeController):
    """EpisodeController, plus: a failed browser stops the episode with its reason; a judge that
    says the episode is lost triggers a pivot (while pivots are left)."""

    async def decide(self, ctx, selection: Selection, best: Verdict | None) -> Decision:
        obs = ctx.current_observation or {}
        if obs.get("fatal"):
            return Decision(action="stop", reason=f"episode ended: {obs.get('error')}")
        lost = ctx.memo.get("judge_lost_step") == ctx.step and not obs.get("done")
        if lost and ctx.result.pivots < self.max_pivots and ctx.step + 1 < self.max_steps:
            return Decision(action="pivot", reason="the judge says the episode is lost: reset and try a different plan")
        return await super().decide(ctx, selection, best)


class GuiStep(Stage):
    name = "act"
    k = 4
    max_tokens = 64
    temperature = 0.7
    pivot_temperature = 1.0
    select = "vote"            # vote: majority over identical actions, judge on ties; judge: judge always
    settings = ("select",)

    def __init__(self, **kw: Any):
        select = kw.get("select", type(self).select)
        if select not in ("vote", "judge"):
            raise ValueError(f"select must be vote or judge, not {select!r}")
        kw.setdefault("strategy", ActionJudge() if select == "judge" else TieBreak(MajorityVote(), ActionJudge()))
        kw.setdefault("controller", GuiController(max_steps=10, max_pivots=1, lost_after=2))
        super().__init__(**kw)

    # ---- the environment ---------------------------------------------------------------------------
    @staticmethod
    def env_key(ctx) -> str:
        return str(ctx.task.input.get("run_dir") or ctx.task.id)

    def env(self, ctx):
        inp = ctx.task.input
        out = Path(inp["run_dir"]) / "screens" if inp.get("run_dir") else None
        return envs.get(self.env_key(ctx), str(inp["task"]), out_dir=out, **(inp.get("env") or {}))

    def current_page(self, ctx) -> dict[str, Any]:
        """The page the next action acts on: the episode's latest observation of a page, or its start."""
        if ctx.mode != "pivot":
            for _, obs in reversed(ctx.episode()):
                if obs and "page" in obs:
                    return obs
        return ctx.memo.get("start") or {}

    async def begin(self, ctx) -> None:
        """Start the episode (first step, a pivot) or, after a resume, rebuild it by replaying its actions."""
        env = self.env(ctx)
        seed = int(ctx.task.input.get("seed", 0))
        memo = ctx.memo
        if ctx.mode == "pivot" or "start" not in memo:
            if ctx.mode == "pivot":
                last = next((o for _, o in reversed(_episode_before(ctx)) if o), {})
                why = last.get("summary") or last.get("error") or "the episode was judged lost"
                memo.setdefault("failed_episodes", []).append(
                    {"actions": [render(a) for a in memo.get("actions", [])], "why": str(why)[:200]})
            memo["actions"] = []
            memo["start"] = slim(await asyncio.to_thread(env.reset, seed))
            memo["episodes"] = memo.get("episodes", 0) + 1
            memo.setdefault("starts", []).append({"step": ctx.step, "screenshot": memo["start"].get("screenshot"),
                                                  "page": memo["start"].get("page", "")})
            return
        await asyncio.to_thread(env.reset, seed)  # resumed in a new process: replay this episode
        for action in memo.get("actions", []):
            await asyncio.to_thread(env.act, action)

    async def run_step(self, ctx) -> StepRecord:
        key = self.env_key(ctx)
        try:
            env = self.env(ctx)
            if ctx.mode == "pivot" or not env.running or "start" not in ctx.memo:
                await self.begin(ctx)
        except (BrowserError, UnknownTask, OSError) as e:
            envs.close(key)
            return _ended(ctx, self.name, f"{type(e).__name__ if isinstance(e, OSError) else 'episode'}: {e}")
        try:
            record = await super().run_step(ctx)
        except BaseException:
            envs.close(key)
            raise
        if record.decision is None or record.decision.action in ("accept", "stop"):
            envs.close(key)
        return record

    # ---- one action --------------------------------------------------------------------------------
    def prompt(self, ctx) -> list[dict[str, str]]:
        return act_messages(self.current_page(ctx), ctx.episode(), ctx.memo, ctx.budget_text())

    def params(self, ctx, n: int | None = None, **update: Any):
        return super().params(ctx, n, json_schema=SCHEMA, **update)

    def parse(self, ctx, request, text: str) -> dict[str, Any]:
        return check(json.loads(text))

    def key(self, ctx, content: dict[str, Any]) -> str:
        return render(content)

    async def apply(self, ctx, winner) -> dict[str, Any]:
        before = self.current_page(ctx).get("page")
        episode = ctx.episode()
        try:
            obs = await asyncio.to_thread(self.env(ctx).act, winner.content)
        except BrowserError as e:
            envs.close(self.env_key(ctx))
            return {"error": str(e), "fatal": True, "done": True, "success": False, "summary": f"browser failed: {e}"}
        if not obs.get("error"):
            ctx.memo.setdefault("actions", []).append(winner.content)
            last = episode[-1][0] if episode else None
            if (not obs.get("done") and obs.get("page") == before and last is not None
                    and last.content == winner.content):  # a loop: the same action, again nothing changed
                obs["error"] = f"{render(winner.content)} again changed nothing on the page: try another action"
        return slim(obs)


def slim(obs: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in obs.items() if k not in SLIM}


def _episode_before(ctx) -> list:
    """The episode that a pivot step ends (the steps since the previous pivot)."""
    steps: list = []
    for rec in ctx.history:
        if rec.mode == "pivot":
            steps = []
        steps.append((None, rec.observation))
    return steps


def _ended(ctx, stage: str, why: str) -> StepRecord:
    """The step of an episode that could not start: no action, the reason, stop."""
    why = " ".join(why.split())[:300]
    return StepRecord(stage=stage, step=ctx.step, mode=ctx.mode, started_at=time.time(),
                      observation={"error": why, "fatal": True, "done": True, "success": False, "summary": why},
                      decision=Decision(action="stop", reason=f"episode ended: {why}"), errors=[why],
                      budget=ctx.budget_text())
