"""The Interval type: a half-open range [start, end)."""


class Interval:
    """Half-open interval ``[start, end)``; ``start == end`` is an empty interval."""

    __slots__ = ("start", "end")

    def __init__(self, start, end):
        if end < start:
            raise ValueError(f"end ({end!r}) must not be before start ({start!r})")
        self.start = start
        self.end = end

    @property
    def length(self):
        return self.end - self.start

    @property
    def is_empty(self):
        return self.start == self.end

    def __contains__(self, point):
        return self.start <= point < self.end

    def overlaps(self, other):
        """True if the two intervals share at least one point."""
        return self.start <= other.end and other.start <= self.end

    def adjacent(self, other):
        """True if one interval ends exactly where the other starts."""
        return self.end == other.start or other.end == self.start

    def intersection(self, other):
        """The common part of both intervals, or None if they do not overlap."""
        if not self.overlaps(other):
            return None
        return Interval(max(self.start, other.start), min(self.end, other.end))

    def span(self, other):
        """The smallest interval covering both intervals."""
        return Interval(min(self.start, other.start), max(self.end, other.end))

    def shift(self, offset):
        return Interval(self.start + offset, self.end + offset)

    def __eq__(self, other):
        if not isinstance(other, Interval):
            return NotImplemented
        return (self.start, self.end) == (other.start, other.end)

    def __hash__(self):
        return hash((self.start, self.end))

    def __repr__(self):
        return f"Interval({self.start!r}, {self.end!r})"
