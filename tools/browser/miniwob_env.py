"""MiniWoB++ tasks (the `miniwob` package's own pages and reward, offline) in Debian's Chromium.

    env = MiniWoBEnv("click-test", out_dir=run_dir / "screens")
    obs = env.reset(seed=0)            # {"instruction", "elements", "page", "screenshot", ...}
    obs = env.act({"action": "click", "id": 3})
    env.close()                        # kills the driver and every browser process it started

The page's own episode timer (10-30 s, made for humans and RL agents) is set to `episode_seconds`
so a slow model is judged on what it does, not how fast; the reward is the task's raw reward
(1 success, -1 or partial failure), and an episode succeeds iff its reward is > 0, as MiniWoB++
counts it. Each observation's screenshot is written to `out_dir`.
"""
from __future__ import annotations

import time
import urllib.parse
from pathlib import Path
from typing import Any

from tools.browser import actions as act
from tools.browser.driver import Browser, BrowserError, _first_line
from tools.browser.snapshot import MAX_ELEMENTS, MAX_TEXT, SNAPSHOT_JS, render


class UnknownTask(ValueError):
    pass


def html_dir() -> Path:
    import miniwob

    return Path(miniwob.__file__).parent / "html" / "miniwob"


def task_names() -> list[str]:
    return sorted(p.stem for p in html_dir().glob("*.html"))


def check_task(name: str) -> str:
    name = name.strip()
    if name.startswith("miniwob/"):
        name = name[len("miniwob/"):].removesuffix("-v1")
    if name not in task_names():
        close = [t for t in task_names() if name and (name in t or t in name)][:5]
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise UnknownTask(f"unknown MiniWoB++ task {name!r}{hint}; the package ships {len(task_names())} tasks, "
                          "e.g. click-test, click-button, enter-text")
    return name


class MiniWoBEnv:
    def __init__(self, task: str, *, out_dir: Path | str | None = None, base_url: str | None = None,
                 episode_seconds: float = 3600, command_timeout: float = 30.0, page_timeout: float = 15.0):
        self.task = check_task(task) if base_url is None else task
        self.url = urllib.parse.urljoin(base_url or html_dir().as_uri() + "/", f"{self.task}.html")
        self.out_dir = Path(out_dir) if out_dir else None
        self.episode_seconds, self.command_timeout, self.page_timeout = episode_seconds, command_timeout, page_timeout
        self.browser: Browser | None = None
        self.shots = 0
        self.seed: int | None = None

    # ---- lifecycle ---------------------------------------------------------------------------------
    def start(self) -> None:
        if self.browser is not None:
            return
        self.browser = Browser(command_timeout=self.command_timeout, page_timeout=self.page_timeout)
        try:
            self.browser.driver.get(self.url)
            deadline = time.time() + self.page_timeout
            while not self._js("return !!document.getElementById('sync-task-cover') && typeof core === 'object';"):
                if time.time() > deadline:
                    raise BrowserError(f"the task page never became ready ({self.url})")
                time.sleep(0.1)
        except BrowserError:
            self.close()
            raise
        except Exception as e:  # noqa: BLE001 - a page that never loads (timeout) or a browser that died
            self.close()
            raise BrowserError(f"the task page never loaded ({self.url}): {_first_line(e)}") from None
        self.browser.remember()

    def close(self) -> None:
        if self.browser is not None:
            self.browser.close()
            self.browser = None

    @property
    def running(self) -> bool:
        return self.browser is not None

    def reset(self, seed: int) -> dict[str, Any]:
        """A fresh episode of the task with this seed (the same seed gives the same episode)."""
        self.start()
        self.seed = int(seed)
        self._js("core.EPISODE_MAX_TIME = arguments[0]; if (core.EP_TIMER) core.endEpisode(0);"
                 "Math.seedrandom(arguments[1]); core.setDataMode('train'); core.startEpisodeReal();",
                 int(self.episode_seconds * 1000), self.seed)
        deadline = time.time() + self.page_timeout
        while not self._js("return WOB_TASK_READY;"):
            if time.time() > deadline:
                raise BrowserError("the task did not become ready after a reset")
            time.sleep(0.05)
        return self.observe()

    # ---- observe / act -----------------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        meta = self._js("return {done: WOB_DONE_GLOBAL, reward: WOB_RAW_REWARD_GLOBAL, reason: WOB_REWARD_REASON};")
        reward = float(meta.get("reward") or 0.0)
        out: dict[str, Any] = {"done": bool(meta.get("done")), "reward": reward}
        if out["done"]:
            out["success"] = reward > 0
            out["summary"] = f"task ended with reward {reward:g}" + (f" ({meta['reason']})" if meta.get("reason") else "")
        return out

    def observe(self) -> dict[str, Any]:
        state = self.status()
        shot = self.screenshot()
        if state["done"]:
            return state | {"screenshot": shot}
        snap = self._js(SNAPSHOT_JS, "body", MAX_ELEMENTS, MAX_TEXT) or {}
        elements = snap.get("elements") or []
        return state | {"instruction": snap.get("instruction", ""), "elements": elements,
                        "page": render(elements), "screenshot": shot}

    def act(self, action: dict[str, Any]) -> dict[str, Any]:
        """Perform a checked action and observe. An impossible action returns the page with `error`."""
        if self.browser is None:
            raise BrowserError("the browser is not running")
        if self.status()["done"]:
            return self.observe()
        try:
            act.perform(self.browser.driver, action)
        except act.ActionError as e:
            return self.observe() | {"error": str(e)}
        time.sleep(0.05)  # let the page's handlers run
        obs = self.observe()
        if action["action"] == "done" and not obs["done"]:
            obs |= {"done": True, "success": False,
                    "summary": f"the agent said done but the task had not ended (reward {obs['reward']:g})"}
        return obs

    def screenshot(self) -> str | None:
        if self.out_dir is None:
            return None
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.shots += 1
        path = self.out_dir / f"{self.shots:03d}.png"
        try:
            png = self.browser.driver.get_screenshot_as_png()
        except Exception as e:  # noqa: BLE001
            raise BrowserError(f"the browser did not answer (screenshot): {_first_line(e)}") from None
        path.write_bytes(png)
        return path.name

    def _js(self, script: str, *args: Any) -> Any:
        if self.browser is None or self.browser.driver is None:
            raise BrowserError("the browser is not running")
        try:
            return self.browser.driver.execute_script(script, *args)
        except Exception as e:  # noqa: BLE001 - a crashed or hung browser (or driver)
            raise BrowserError(f"the browser did not answer: {_first_line(e)}") from None
