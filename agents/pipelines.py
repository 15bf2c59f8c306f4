"""Named pipelines the CLI can run and resume. A run directory's `run.json` stores the pipeline name
and its options, so `scaleagent resume RUN_DIR` can rebuild the same graph in a fresh process."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from agents.errors import ConfigError
from agents.graph import Pipeline

Factory = Callable[[dict[str, Any]], Pipeline]
_REGISTRY: dict[str, Factory] = {}


def register(name: str, factory: Factory) -> None:
    _REGISTRY[name] = factory


def build(name: str, options: dict[str, Any] | None = None) -> Pipeline:
    _load_builtins()
    if name not in _REGISTRY:
        raise ConfigError(f"unknown pipeline {name!r}: choose one of {', '.join(sorted(_REGISTRY))}")
    return _REGISTRY[name](options or {})


def names() -> list[str]:
    _load_builtins()
    return sorted(_REGISTRY)


def _load_builtins() -> None:
    if "humaneval" in _REGISTRY:
        return
    from agents.humaneval import scaled_pipeline, single_pipeline

    register("humaneval", lambda o: scaled_pipeline(k=int(o.get("k", 4)), test_samples=int(o.get("test_samples", 2)),
                                                    max_steps=int(o.get("max_steps", 3))))
    register("humaneval-single", lambda o: single_pipeline())
