"""The web environment of a run: the search backend (the local index served on loopback, or a
SearxNG server) and the tools on it, started on first use and closed by `close_all()`, which the
CLI calls when a command ends (also on Ctrl-C / SIGTERM) and `atexit` calls as a backstop.
One environment per (index, searx) pair in a process, shared by the runs of a benchmark."""
from __future__ import annotations

import atexit
import threading
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from tools.web.tools import WebTools

_LOCK = threading.Lock()
_OPEN: dict[tuple[str, str], "WebEnv"] = {}


class WebEnv:
    def __init__(self, index: str | None, searx: str | None):
        self.index, self.searx = index, searx
        self._stack: ExitStack | None = None
        self._tools: WebTools | None = None
        self._lock = threading.Lock()
        self.url: str | None = None

    def tools(self) -> WebTools:
        """The tools, starting the backend the first time (blocking: call from a worker thread)."""
        with self._lock:
            if self._tools is None:
                from tools.web.backends import SearxngBackend, local_index

                stack = ExitStack()
                if self.searx:
                    backend = SearxngBackend(self.searx)
                else:
                    backend = stack.enter_context(local_index(Path(ensure_index(self.index))))
                self._stack, self._tools, self.url = stack, WebTools(backend), backend.base_url
            return self._tools

    @property
    def corpus(self) -> str:
        """What is searched, as the prompts name it: "the web" for SearxNG, else the index's name
        (read from the index file; an index not built yet is the default one, the Python docs)."""
        from tools.web.index import DEFAULT_NAME, Index, WebIndexError, default_index_path

        if self.searx:
            return "the web"
        path = Path(self.index) if self.index else default_index_path()
        try:
            index = Index(path)
        except WebIndexError:  # not built yet (the default is built on first use) or unreadable (tools() says so)
            return DEFAULT_NAME if not self.index else "the documents in the index"
        try:
            return index.name
        finally:
            index.close()

    @property
    def started(self) -> bool:
        return self._tools is not None

    def close(self) -> None:
        with self._lock:
            stack, self._stack, self._tools = self._stack, None, None
        if stack is not None:
            stack.close()


def environment(options: dict[str, Any]) -> WebEnv:
    key = (str(options.get("index") or ""), str(options.get("searx") or ""))
    with _LOCK:
        if key not in _OPEN:
            _OPEN[key] = WebEnv(key[0] or None, key[1] or None)
        return _OPEN[key]


def close_all() -> None:
    with _LOCK:
        envs = list(_OPEN.values())
        _OPEN.clear()
    for env in envs:
        env.close()


def ensure_index(index: str | None, progress: Any = None) -> Path:
    """The index to serve: `index` if given (it must exist), else the default index of the Python
    docs, built on first use and rebuilt when an older version built it (it is a cache)."""
    from tools.web.index import DEFAULT_DOCS, WebIndexError, build_index, default_index_path, is_current

    if index:
        return Path(index)
    path = default_index_path()
    if not path.is_file() or not is_current(path):
        if not DEFAULT_DOCS.is_dir():
            raise WebIndexError(f"no index at {path} and no Python docs at {DEFAULT_DOCS} to build it from: "
                                "install python3.11-doc or give --index")
        build_index(DEFAULT_DOCS, path, progress=progress)
    return path


atexit.register(close_all)
