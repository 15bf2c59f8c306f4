"""npm-style version ranges: comparators, caret (^) and tilde (~) ranges."""
from __future__ import annotations

import operator
import re

from .errors import InvalidRange, InvalidVersion
from .version import Version

_OPS = {
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
    "=": operator.eq,
}
_COMPARATOR_RE = re.compile(r"^(>=|<=|>|<|=|\^|~)?\s*(v?\d.*)$")


def _caret(version):
    """^1.2.3 := >=1.2.3 <2.0.0 (changes that do not modify the major version)."""
    upper = Version(version.major + 1, 0, 0)
    return [(">=", version), ("<", upper)]


def _tilde(version):
    """~1.2.3 := >=1.2.3 <1.3.0 (patch-level changes only)."""
    upper = Version(version.major, version.minor + 1, 0)
    return [(">=", version), ("<", upper)]


def _parse_comparator(token):
    match = _COMPARATOR_RE.match(token)
    if match is None:
        raise InvalidRange(f"invalid comparator: {token!r}")
    op, text = match.group(1) or "=", match.group(2)
    try:
        version = Version.parse(text)
    except InvalidVersion as exc:
        raise InvalidRange(f"invalid version in range: {text!r}") from exc
    if op == "^":
        return _caret(version)
    if op == "~":
        return _tilde(version)
    return [(op, version)]


def _parse_set(text):
    tokens = text.split()
    if not tokens:
        raise InvalidRange("empty comparator set")
    comparators = []
    for token in tokens:
        comparators.extend(_parse_comparator(token))
    return comparators


class Range:
    """A set of comparator sets joined by ``||``."""

    def __init__(self, text):
        self.text = text.strip()
        if not self.text:
            raise InvalidRange("empty range")
        self._sets = [_parse_set(part) for part in self.text.split("||")]

    def contains(self, version):
        version = Version.parse(version)
        for comparators in self._sets:
            if all(_OPS[op](version, bound) for op, bound in comparators):
                return True
        return False

    __contains__ = contains

    def __repr__(self):
        return f"Range({self.text!r})"


def satisfies(version, range_text):
    """Return True if ``version`` is inside ``range_text``."""
    return Range(range_text).contains(version)


def max_satisfying(versions, range_text):
    """Return the highest version (as given) that satisfies the range, or None."""
    rng = Range(range_text)
    best = None
    for text in versions:
        version = Version.parse(text)
        if rng.contains(version) and (best is None or version > best[0]):
            best = (version, text)
    return None if best is None else best[1]
