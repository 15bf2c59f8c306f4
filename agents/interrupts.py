"""Turning a signal into an exception that unwinds an asyncio program cleanly.

A Python signal handler runs between two bytecodes of the main thread: inside asyncio that may be
inside any task's step (an HTTP client's writer task, say). An exception raised there stays on that
task, and asyncio prints it with a traceback ("Task exception was never retrieved") when the task is
collected, after the command has exited. A KeyboardInterrupt raised from a loop callback instead
leaves the loop: asyncio.run then cancels every task and re-raises it, as on Ctrl-C. (Only
KeyboardInterrupt and SystemExit leave a callback; asyncio logs and swallows any other exception.)"""
from __future__ import annotations

import asyncio


def _interrupt() -> None:
    raise KeyboardInterrupt


def raise_soon(exc: type[BaseException] | BaseException) -> None:
    """Call from a signal handler: raise `exc` now outside asyncio; inside a running loop, raise
    KeyboardInterrupt from a loop callback (asyncio.run lets it out once every task is cancelled)."""
    try:
        asyncio.get_running_loop().call_soon_threadsafe(_interrupt)
    except RuntimeError:  # no loop runs in this thread
        raise exc from None
