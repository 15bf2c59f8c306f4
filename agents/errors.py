"""Errors a user can act on.

Every error raised for bad input or an unavailable resource derives from `ScaleAgentError`; the CLI
prints its message as one line and exits non-zero, never a traceback. Messages say what is wrong
and how to fix it.
"""
from __future__ import annotations

from budgets.errors import BudgetError, BudgetExceeded  # re-exported: one place to import errors from


class ScaleAgentError(Exception):
    """Base of all user-facing errors. `str(err)` is a one-line, actionable message."""

    exit_code = 2


class ConfigError(ScaleAgentError):
    """Bad configuration or input file (malformed YAML, missing file, bad value)."""


class RunLocked(ConfigError):
    """Another process holds the run directory's lock (a second `resume`, or a run and a resume)."""


class ModelError(ScaleAgentError):
    """A model call failed for good (after retries)."""

    exit_code = 3

    def __init__(self, message: str, *, retryable: bool = False, status: int | None = None):
        super().__init__(message)
        self.retryable = retryable
        self.status = status
        # What the failed call had already consumed (successful requests of a fan-out, samples
        # drawn before the failure), so a budget can still be settled; None = nothing known.
        self.usage = None


class ModelNotFound(ScaleAgentError):
    """The model name matches no backend or no known local model."""


class ModelInstallError(ScaleAgentError):
    """Pulling or assembling a local model failed (package not found, checksum mismatch, disk)."""


class RateLimited(ModelError):
    def __init__(self, message: str, status: int | None = 429):
        super().__init__(message, retryable=True, status=status)


class ModelTimeout(ModelError):
    def __init__(self, message: str):
        super().__init__(message, retryable=True)


class PromptTooLong(ModelError):
    """The prompt (plus max_tokens) does not fit the model's context window; retrying cannot help."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message, retryable=False, status=status)


class BadResponse(ModelError):
    """The server answered with something that is not a valid completion (truncated, not JSON)."""

    def __init__(self, message: str):
        super().__init__(message, retryable=True)


__all__ = [
    "ScaleAgentError", "ConfigError", "RunLocked", "ModelError", "ModelNotFound", "RateLimited", "ModelTimeout",
    "BadResponse", "PromptTooLong", "ModelInstallError",
    "BudgetError", "BudgetExceeded",
]
