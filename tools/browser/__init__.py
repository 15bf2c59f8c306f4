"""The browser environment: Debian's Chromium headless (Selenium + /usr/bin/chromedriver) on MiniWoB++
task pages; observations are numbered element snapshots + the instruction + a screenshot."""
from tools.browser.actions import ACTIONS, ActionError, check, render
from tools.browser.driver import Browser, BrowserError
from tools.browser.miniwob_env import MiniWoBEnv, UnknownTask, check_task, task_names

__all__ = ["ACTIONS", "ActionError", "Browser", "BrowserError", "MiniWoBEnv", "UnknownTask", "check", "check_task",
           "render", "task_names"]
