"""The Config object."""
from .convert import to_bool, to_int, to_list
from .errors import ConfigError
from .parser import parse_ini

_MISSING = object()


class Config:
    """Configuration values addressed as ``"section.key"``, with defaults."""

    def __init__(self, data=None, defaults={}):
        self._data = {}
        for section, values in (data or {}).items():
            for key, value in values.items():
                self._data[f"{section}.{key}"] = value
        self._defaults = defaults

    @classmethod
    def from_string(cls, text, defaults=None):
        return cls(parse_ini(text), defaults or {})

    @classmethod
    def from_file(cls, path, missing_ok=False, encoding="utf-8"):
        """Load ``path``; with ``missing_ok`` a missing file gives an empty config."""
        try:
            with open(path, encoding=encoding) as fh:
                return cls(parse_ini(fh.read()))
        except (OSError, ValueError):
            if missing_ok:
                return cls()
            raise

    def set_default(self, name, value):
        self._defaults[name] = value

    def get(self, name, default=_MISSING):
        if name in self._data:
            return self._data[name]
        if name in self._defaults:
            return self._defaults[name]
        if default is not _MISSING:
            return default
        raise ConfigError(f"missing configuration value {name!r}")

    def get_int(self, name, default=_MISSING):
        value = self.get(name, default)
        return value if value is default else to_int(value)

    def get_bool(self, name, default=_MISSING):
        value = self.get(name, default)
        return value if value is default else to_bool(value)

    def get_list(self, name, default=_MISSING):
        value = self.get(name, default)
        return value if value is default else to_list(value)

    def __contains__(self, name):
        return name in self._data or name in self._defaults

    def keys(self):
        return sorted(set(self._data) | set(self._defaults))
