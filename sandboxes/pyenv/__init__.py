"""Per-repository test environments (issue 17): detect how a project installs, build a cached venv
on the host, run its tests with that interpreter in the sandbox with the worktree importable.
See detect.py (what goes in), build.py (how and where it is built, trust), lookup.py (which one),
image.py (the docker backend's image per environment), failures.py (failed builds remembered on disk),
prepare.py (built before a run, outside the test-run slots; its own `env_build` line)."""
from .build import BUILDS, EnvError, Environment, cache_root, ensure, use_environment
from .detect import DirTree, GitTree, Overrides, Plan, detect
from .lookup import environment_for, environment_status, plan_for, register
from .prepare import describe, prepare

__all__ = ["BUILDS", "DirTree", "EnvError", "Environment", "GitTree", "Overrides", "Plan", "cache_root",
           "describe", "detect", "ensure", "environment_for", "environment_status", "plan_for", "prepare", "register",
           "use_environment"]
