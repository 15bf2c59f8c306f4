"""semverlite: parse, compare and match semantic versions."""
from .errors import InvalidRange, InvalidVersion
from .ranges import Range, max_satisfying, satisfies
from .version import Version

__all__ = [
    "InvalidRange",
    "InvalidVersion",
    "Range",
    "Version",
    "max_satisfying",
    "satisfies",
]
__version__ = "0.4.0"
