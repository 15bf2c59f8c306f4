"""The GUI step stage: sample K action proposals (the first greedy, the others at a temperature) →
check each against the page (`agents.gui.details`: typed verdicts) → a vote over identical actions
among those that fit, the judge on ties (or the judge always, `select="judge"`) → execute in the
browser → observe.

One step is one action. `GuiController` (an `EpisodeController`) accepts when the task ends with a
positive reward, stops on the action limit, the budget or a failed browser, and pivots — resets the
episode (same task, same seed) and tries a different plan, told what failed — when the page's reward
says the episode failed, after repeated failed actions, or when the judge says the episode is lost
(with no pivot left, the judge's "lost" stops the episode).
Each action has its own budget (`step_budget`), the stage's slice is the episode's.
"""
from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

from agents.controllers import EpisodeController
from agents.gui import details, envs, loops
from agents.gui.judge import GuiVote
from agents.gui.prompts import act_messages
from agents.state import Decision, SampleRequest, Selection, StepRecord, Verdict
from agents.stage import Stage
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
        won = next((details.of(v) for v in getattr(ctx, "gui_verdicts", []) if v.candidate_id == selection.winner), None)
        if won is not None and won.lost and not obs.get("done"):
            if ctx.result.pivots < self.max_pivots and ctx.step + 1 < self.max_steps:
                return Decision(action="pivot", reason="the judge says the episode is lost: reset and try a different plan")
            return Decision(action="stop", reason="the judge says the episode is lost and no pivots are left")
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
        kw.setdefault("strategy", GuiVote(judge_always=select == "judge"))
        kw.setdefault("verifier", PageFit())
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
        page = self.current_page(ctx)
        useless = loops.advice(str(page.get("page", "")), self.moves(ctx))
        return act_messages(page, ctx.episode(), ctx.memo, ctx.budget_text(), useless)

    def params(self, ctx, n: int | None = None, **update: Any):
        return super().params(ctx, n, json_schema=SCHEMA, **update)

    def requests(self, ctx) -> list[SampleRequest]:
        """K > 1: one greedy proposal (what K=1 would do) and K-1 sampled ones; the model reuses the
        prompt's cache for the second call."""
        return super().requests(ctx) if self.k <= 1 else self.greedy_and_samples(ctx)

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
            if not obs.get("done"):  # a no-op or a loop: a page already seen after this same action
                again = loops.repeated(winner.content, str(before), str(obs.get("page")), self.moves(ctx, episode))
                if again:
                    obs["error"] = again
        return slim(obs)

    def moves(self, ctx, episode: list | None = None) -> list[loops.Move]:
        """The episode's executed actions with the pages before and after each (`agents.gui.loops`)."""
        start = (ctx.memo.get("start") or {}).get("page", "")
        return loops.moves(str(start), ctx.episode() if episode is None else episode)


class PageFit:
    """The verifier: each valid proposal checked against the page it acts on (`details.verdicts`)."""

    async def verify(self, ctx, candidates) -> list[Verdict]:
        stage = ctx.stage
        page = str(stage.current_page(ctx).get("page", ""))
        episode = ctx.episode()
        previous = episode[-1][0].content if episode and episode[-1][0] is not None else None
        last = (episode[-1][1] or {}) if episode else {}
        unchanged = bool(episode) and (bool(last.get("error")) or _page_before(ctx, episode) == page)
        known = loops.known(page, stage.moves(ctx, episode))  # no-ops and loops already seen on this page
        ctx.gui_verdicts = details.verdicts(candidates, page, previous, unchanged, known)  # the controller reads "lost"
        return ctx.gui_verdicts


def _page_before(ctx, episode: list) -> str:
    """The page the episode's last action acted on."""
    for _, obs in reversed(episode[:-1]):
        if obs and "page" in obs:
            return str(obs["page"])
    return str((ctx.memo.get("start") or {}).get("page", ""))


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
