"""Parsing INI text into {section: {key: value}}."""
from .errors import ConfigError


def parse_ini(text):
    data = {}
    section = None
    last_key = None
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if raw[:1] in (" ", "\t") and last_key is not None:
            # continuation of the previous value
            data[section][last_key] += "\n" + line
            continue
        if line.startswith("["):
            if not line.endswith("]") or len(line) < 3:
                raise ConfigError(f"malformed section header {line!r}", lineno)
            section = line[1:-1].strip()
            data.setdefault(section, {})
            last_key = None
            continue
        if "=" not in line:
            raise ConfigError(f"expected 'key = value', got {line!r}", lineno)
        if section is None:
            raise ConfigError("key outside of any [section]", lineno)
        key, value = line.split("=", 1)
        key = key.strip().lower()
        if not key:
            raise ConfigError("empty key", lineno)
        data[section][key] = value.strip()
        last_key = key
    return data
