"""Parsing and ordering of semantic versions (https://semver.org)."""
from __future__ import annotations

import re
from functools import total_ordering

from .errors import InvalidVersion

_SEMVER_RE = re.compile(
    r"^v?(?P<major>0|[1-9]\d*)\.(?P<minor>0|[1-9]\d*)\.(?P<patch>0|[1-9]\d*)"
    r"(?:-(?P<pre>[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?"
    r"(?:\+(?P<build>[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$"
)


def _split_identifiers(text):
    if not text:
        return ()
    return tuple(text.split("."))


def _compare_prerelease(left, right):
    """Compare two prerelease tuples and return -1, 0 or 1.

    A version without a prerelease has higher precedence than one with a
    prerelease (1.0.0-rc.1 < 1.0.0).  Otherwise identifiers are compared
    one by one from left to right; a shorter tuple wins ties.
    """
    if left == right:
        return 0
    if not left:
        return 1
    if not right:
        return -1
    for a, b in zip(left, right):
        if a == b:
            continue
        return -1 if a < b else 1
    return -1 if len(left) < len(right) else 1


@total_ordering
class Version:
    """An immutable semantic version."""

    __slots__ = ("major", "minor", "patch", "prerelease", "build")

    def __init__(self, major, minor=0, patch=0, prerelease=(), build=()):
        if min(major, minor, patch) < 0:
            raise InvalidVersion("version numbers must be non-negative")
        self.major = int(major)
        self.minor = int(minor)
        self.patch = int(patch)
        if isinstance(prerelease, str):
            prerelease = _split_identifiers(prerelease)
        if isinstance(build, str):
            build = _split_identifiers(build)
        self.prerelease = tuple(prerelease)
        self.build = tuple(build)

    @classmethod
    def parse(cls, text):
        if isinstance(text, Version):
            return text
        match = _SEMVER_RE.match(str(text).strip())
        if match is None:
            raise InvalidVersion(f"invalid semantic version: {text!r}")
        return cls(
            int(match.group("major")),
            int(match.group("minor")),
            int(match.group("patch")),
            _split_identifiers(match.group("pre")),
            _split_identifiers(match.group("build")),
        )

    @property
    def is_prerelease(self):
        return bool(self.prerelease)

    def release(self):
        """The version without prerelease and build metadata."""
        return Version(self.major, self.minor, self.patch)

    def bump_major(self):
        return Version(self.major + 1, 0, 0)

    def bump_minor(self):
        return Version(self.major, self.minor + 1, 0)

    def bump_patch(self):
        if self.prerelease:
            return self.release()
        return Version(self.major, self.minor, self.patch + 1)

    def _core(self):
        return (self.major, self.minor, self.patch)

    def compare(self, other):
        other = Version.parse(other)
        if self._core() != other._core():
            return -1 if self._core() < other._core() else 1
        return _compare_prerelease(self.prerelease, other.prerelease)

    def __eq__(self, other):
        if not isinstance(other, (Version, str)):
            return NotImplemented
        return self.compare(other) == 0

    def __lt__(self, other):
        if not isinstance(other, (Version, str)):
            return NotImplemented
        return self.compare(other) < 0

    def __hash__(self):
        return hash((self._core(), self.prerelease))

    def __str__(self):
        text = "%d.%d.%d" % self._core()
        if self.prerelease:
            text += "-" + ".".join(self.prerelease)
        if self.build:
            text += "+" + ".".join(self.build)
        return text

    def __repr__(self):
        return f"Version({str(self)!r})"
