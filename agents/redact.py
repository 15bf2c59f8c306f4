"""Keep credentials out of everything written or printed.

A server may echo the API key or the Authorization header in an error body; that body becomes a
ModelError message, a trajectory line, a line on stderr. `redact(text)` replaces

- the value of every configured secret: environment variables named like `*_API_KEY`, `*_TOKEN`,
  `*_SECRET`, `*_PASSWORD` (and a few well-known names), plus values given with `add_secret`
  (e.g. an `api_key=` model option);
- `Authorization: <anything>` header values and `Bearer <token>` pairs, whatever the token, and
  the `user:password@` of URLs (an --api-base with credentials in it);

with `[REDACTED]`. Values shorter than 8 characters are not treated as secrets (redacting `1` or
`true` everywhere would corrupt the output, and no real key is that short).
"""
from __future__ import annotations

import os
import re
from typing import Any

MASK = "[REDACTED]"
MIN_SECRET = 8
_SECRET_NAME = re.compile(r"(_API_KEY|_APIKEY|_TOKEN|_SECRET|_SECRET_KEY|_PASSWORD|_ACCESS_KEY)$|^(API_KEY|TOKEN)$",
                          re.IGNORECASE)
_HEADER = re.compile(r"(?i)(\bauthorization\b[\"']?\s*[:=]\s*[\"']?)(?:(?:bearer|basic|token)\s+)?[^\s\"',}]+")
_URL_AUTH = re.compile(r"(\b[a-z][a-z0-9+.-]*://)[^/\s:@]+:[^/\s@]+@", re.IGNORECASE)
_BEARER = re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]{4,}")
_extra: set[str] = set()


def add_secret(value: str | None) -> None:
    """Treat `value` (an API key given on the command line or in model options) as a secret."""
    if value and len(value) >= MIN_SECRET:
        _extra.add(value)


def secrets() -> list[str]:
    """Every secret value known now, longest first (so a key containing another is masked whole)."""
    found = {v for k, v in os.environ.items() if _SECRET_NAME.search(k) and v and len(v) >= MIN_SECRET}
    return sorted(found | _extra, key=len, reverse=True)


def redact(text: str) -> str:
    if not text:
        return text
    for value in secrets():
        if value in text:
            text = text.replace(value, MASK)
    text = _HEADER.sub(lambda m: m.group(1) + MASK, text)
    text = _URL_AUTH.sub(lambda m: m.group(1) + MASK + "@", text)
    return _BEARER.sub(lambda m: m.group(1) + MASK, text)


def redact_obj(obj: Any) -> Any:
    """`redact` applied to every string inside dicts, lists and tuples (keys included)."""
    if isinstance(obj, str):
        return redact(obj)
    if isinstance(obj, dict):
        return {redact_obj(k): redact_obj(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(redact_obj(v) for v in obj)
    return obj
