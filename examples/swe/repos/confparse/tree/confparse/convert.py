"""String to value conversions used by the typed getters."""
from .errors import ConfigError

_TRUE = {"1", "yes", "true", "on"}
_FALSE = {"0", "no", "false", "off"}


def to_bool(value):
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ConfigError(f"not a boolean: {value!r}")


def to_int(value):
    try:
        return int(value.strip(), 0)
    except ValueError:
        raise ConfigError(f"not an integer: {value!r}") from None


def to_list(value, sep=","):
    return [item.strip() for item in value.replace("\n", sep).split(sep) if item.strip()]
