"""Failed environment builds, remembered on disk next to the cache (`<cache>/envs/<key>.failed`), so
a bench over many instances, and every later process, pays a broken build once instead of once per
instance or candidate. Keyed like the cache (the same declarations, Python and overrides fail the
same way); a new key (a changed declaration or override) builds afresh. `scaleagent env build
--retry` (or `forget`) clears the record so the next use builds again."""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

RETRY_HINT = "remembered from a failed build; `scaleagent env build --retry INSTANCES` tries again"


def _path(base: Path, key: str) -> Path:
    return base / f"{key}.failed"


def remembered(base: Path, key: str) -> str | None:
    """The one-line reason of the last failed build of `key`, or None."""
    try:
        data = json.loads(_path(base, key).read_text())
    except (OSError, ValueError):
        return None
    reason = data.get("reason") if isinstance(data, dict) else None
    return " ".join(str(reason).split())[:400] if reason else None


def remember(base: Path, key: str, reason: str) -> None:
    """Record `key`'s failure (atomically: a reader sees the old record or the new one)."""
    base.mkdir(parents=True, exist_ok=True)
    tmp = base / f".{key}.failed.{os.getpid()}"
    tmp.write_text(json.dumps({"key": key, "reason": reason, "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}))
    os.replace(tmp, _path(base, key))


def forget(base: Path, key: str) -> bool:
    """Clear `key`'s failure record; True when there was one."""
    try:
        _path(base, key).unlink()
        return True
    except FileNotFoundError:
        return False
