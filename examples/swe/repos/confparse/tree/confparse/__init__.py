"""confparse: INI-style configuration."""
from .config import Config
from .errors import ConfigError
from .parser import parse_ini

__all__ = ["Config", "ConfigError", "parse_ini"]
