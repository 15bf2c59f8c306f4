"""Debian's Chromium, headless, driven through /usr/bin/chromedriver by Selenium.

Never a browser or driver download: both paths are given explicitly and Selenium Manager is told it
is offline (`SE_OFFLINE=true`). Every command to the driver has a deadline (`command_timeout`), so a
browser that hangs becomes an error, not a stuck run. `close()` quits the session and then kills the
driver and every browser process it started (found under the driver's pid in /proc), so nothing is
left behind whatever state the browser was in. The driver runs in a session of its own, watched by
`reaper.Watch`: if this process is killed outright (SIGKILL), the watchdog kills that session.
"""
from __future__ import annotations

import os
import signal
import time
from pathlib import Path

CHROMIUM = os.environ.get("SCALEAGENT_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("SCALEAGENT_CHROMEDRIVER", "/usr/bin/chromedriver")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
         "--window-size=400,420")


class BrowserError(RuntimeError):
    """The browser could not start, crashed, hung or failed a command (the episode cannot go on)."""


def descendants(pid: int) -> list[int]:
    """Every live process below `pid` (children first found via /proc/<pid>/task/*/children)."""
    out: list[int] = []
    todo = [pid]
    while todo:
        p = todo.pop()
        for task in Path(f"/proc/{p}/task").glob("*"):
            try:
                kids = [int(x) for x in (task / "children").read_text().split()]
            except (OSError, ValueError):
                continue
            for k in kids:
                if k not in out:
                    out.append(k)
                    todo.append(k)
    return out


def alive(pid: int) -> bool:
    """A process that exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def kill_all(pids: list[int]) -> None:
    for p in pids:
        try:
            os.kill(p, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


class Browser:
    """One headless Chromium session. `pids()` are the driver's and the browser's processes."""

    def __init__(self, *, command_timeout: float = 30.0, page_timeout: float = 15.0):
        os.environ.setdefault("SE_OFFLINE", "true")
        from selenium import webdriver
        from selenium.common.exceptions import WebDriverException
        from selenium.webdriver.chrome.service import Service

        for path in (CHROMIUM, CHROMEDRIVER):
            if not os.access(path, os.X_OK):
                raise BrowserError(f"{path} is missing: install Debian's chromium and chromium-driver")
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in FLAGS:
            options.add_argument(flag)
        from tools.browser.reaper import Watch

        self.service = Service(executable_path=CHROMEDRIVER, popen_kw={"start_new_session": True})
        self.driver = None
        self.watch: Watch | None = None
        self._known: list[int] = []
        try:
            self.driver = webdriver.Chrome(service=self.service, options=options)
        except WebDriverException as e:
            self.close()
            raise BrowserError(f"Chromium did not start: {_first_line(e)}") from None
        if self.driver_pid is not None:
            self.watch = Watch(self.driver_pid)
        self.driver.command_executor._client_config.timeout = command_timeout
        self.driver.set_page_load_timeout(page_timeout)
        self.driver.set_script_timeout(command_timeout)
        self.driver.implicitly_wait(0)
        self.remember()

    @property
    def driver_pid(self) -> int | None:
        proc = getattr(self.service, "process", None)
        return proc.pid if proc is not None else None

    def remember(self) -> None:
        """Note the processes started so far (the browser's helpers appear after launch)."""
        if self.driver_pid is not None:
            for p in [self.driver_pid, *descendants(self.driver_pid)]:
                if p not in self._known:
                    self._known.append(p)

    def pids(self) -> list[int]:
        self.remember()
        return [p for p in self._known if alive(p)]

    def browser_pids(self) -> list[int]:
        """The Chromium processes (everything below the driver)."""
        return [p for p in self.pids() if p != self.driver_pid]

    def close(self) -> None:
        """Quit the session (briefly), then kill whatever of the driver and browser is still alive."""
        try:
            self.remember()
        except OSError:
            pass
        if self.driver is not None:
            try:
                self.driver.command_executor._client_config.timeout = 3
                self.driver.quit()
            except Exception:  # noqa: BLE001 - a crashed or hung browser: killed below
                pass
            self.driver = None
        kill_all([p for p in self._known if alive(p)])
        proc = getattr(self.service, "process", None)
        if proc is not None:
            try:
                proc.kill()
                proc.wait(timeout=5)
            except Exception:  # noqa: BLE001
                pass
        deadline = time.time() + 5
        while time.time() < deadline and any(alive(p) for p in self._known):
            time.sleep(0.05)
        if self.watch is not None:
            self.watch.stop()  # also sweeps the driver's session (a process that left its parent)
            self.watch = None


def _first_line(e: BaseException) -> str:
    text = getattr(e, "msg", None) or str(e) or type(e).__name__
    return " ".join(str(text).strip().splitlines()[0].split())[:200] if str(text).strip() else type(e).__name__
