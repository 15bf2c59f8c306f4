"""Private helpers of the litellm backend: lazy import, error mapping, price lookup."""
from __future__ import annotations

import asyncio
import json
import os
from typing import Any

from agents.errors import BadResponse, ConfigError, ModelError, ModelNotFound, ModelTimeout, PromptTooLong, RateLimited
from agents.redact import redact

NAMING_HINT = (
    "name models as `local/<name>` (see `scaleagent models list`), `<provider>/<model>` for an API "
    "(e.g. `openai/gpt-4o-mini`, `anthropic/claude-3-5-haiku-20241022`), or `openai/<model>` / "
    "`hosted_vllm/<model>` with `--api-base URL` for an OpenAI-compatible server"
)

# Providers whose chat endpoint honours `n` (one prefill for N samples). Others are asked litellm.
N_PROVIDERS = {"openai", "hosted_vllm", "vllm", "azure", "text-completion-openai", "custom_openai"}

_BAD_BODY_MARKERS = ("Expecting", "Unterminated", "invalid response", "JSONDecodeError",
                     "Invalid control character", "Extra data", "not valid JSON")


def import_litellm() -> Any:
    """Import litellm (3-4 s) only when an API model is actually built, offline and quiet."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    litellm.suppress_debug_info = True
    litellm.num_retries = 0  # retries are ours (tenacity), so attempts are counted exactly
    return litellm


def resolve_provider(litellm: Any, name: str, api_base: str | None) -> tuple[str, str]:
    """(model id at the provider, provider) or ModelNotFound with a one-line naming hint."""
    try:
        model_id, provider, _, _ = litellm.get_llm_provider(name, api_base=api_base)
    except Exception:
        raise ModelNotFound(f"unknown model {name!r}: {NAMING_HINT}") from None
    return model_id, provider


def provider_supports_n(litellm: Any, model_id: str, provider: str) -> bool:
    if provider in N_PROVIDERS:
        return True
    try:
        return "n" in (litellm.get_supported_openai_params(model=model_id, custom_llm_provider=provider) or [])
    except Exception:
        return False


def lookup_price(litellm: Any, name: str, model_id: str, provider: str) -> tuple[float, float] | None:
    for key in (name, model_id, f"{provider}/{model_id}"):
        info = litellm.model_cost.get(key) or {}
        pin, pout = info.get("input_cost_per_token"), info.get("output_cost_per_token")
        if pin is not None and pout is not None:
            return float(pin), float(pout)
    return None


def key_hint(litellm: Any, name: str) -> str:
    try:
        missing = litellm.validate_environment(name).get("missing_keys") or []
    except Exception:
        missing = []
    if missing:
        return f"set {' / '.join(missing)} in the environment (or pass api_key)"
    return "check the API key (environment variable or api_key) for this provider"


def _one_line(e: BaseException, limit: int = 300) -> str:
    text = " ".join(str(e).split())
    for prefix in ("litellm.", "OpenAIException - "):
        text = text.replace(prefix, "")
    head, sep, rest = text.partition(": ")
    while sep and rest.startswith(head + ": "):  # "RateLimitError: RateLimitError: ..." -> once
        rest = rest[len(head) + 2:]
        text = f"{head}: {rest}"
    return text[:limit] or type(e).__name__


def map_error(litellm: Any, e: BaseException, name: str) -> ModelError:
    """Turn whatever litellm/httpx/openai raised into one of our ModelError types."""
    if isinstance(e, ModelError):
        return e
    msg = redact(_one_line(e))  # a server may echo the key or the Authorization header
    status = getattr(e, "status_code", None)
    where = f"model {name}"
    if isinstance(e, (asyncio.TimeoutError, TimeoutError, litellm.Timeout)):
        return ModelTimeout(f"{where}: request timed out ({msg})")
    if isinstance(e, litellm.RateLimitError):
        return RateLimited(f"{where}: rate limited ({msg})", status=429)
    if isinstance(e, (litellm.AuthenticationError, litellm.PermissionDeniedError)):
        return ModelError(f"{where}: authentication failed: {key_hint(litellm, name)}",
                          status=status or 401)
    if isinstance(e, litellm.ContextWindowExceededError):
        return PromptTooLong(f"{where}: prompt too long for the context window ({msg})", status=400)
    if isinstance(e, litellm.NotFoundError):
        return ModelError(f"{where}: not found at the server (check the name and --api-base): {msg}",
                          status=404)
    if isinstance(e, (json.JSONDecodeError, litellm.APIResponseValidationError)):
        return BadResponse(f"{where}: malformed response body ({msg})")
    if isinstance(e, (litellm.BadRequestError, litellm.UnsupportedParamsError)):
        return ModelError(f"{where}: request rejected: {msg}", status=status or 400)
    if isinstance(e, litellm.APIConnectionError):
        if any(m in msg for m in _BAD_BODY_MARKERS):
            return BadResponse(f"{where}: malformed response body ({msg})")
        return ModelError(f"{where}: connection failed ({msg})", retryable=True, status=status)
    if isinstance(status, int) and (status >= 500 or status == 408):
        if any(m in msg for m in _BAD_BODY_MARKERS):
            return BadResponse(f"{where}: malformed response body ({msg})")
        return ModelError(f"{where}: server error {status} ({msg})", retryable=True, status=status)
    if isinstance(status, int):
        return ModelError(f"{where}: request failed with HTTP {status} ({msg})", status=status)
    return ModelError(f"{where}: {type(e).__name__}: {msg}")


def default_retries() -> int:
    """Retries per request when the caller gives none: `$SCALEAGENT_MODEL_RETRIES`, else 4."""
    raw = os.environ.get("SCALEAGENT_MODEL_RETRIES", "").strip()
    if not raw:
        return 4
    if not raw.isdigit() or int(raw) > 20:
        raise ConfigError(f"SCALEAGENT_MODEL_RETRIES must be a whole number from 0 to 20, got {raw!r}")
    return int(raw)
