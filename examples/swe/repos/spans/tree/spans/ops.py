"""Operations on collections of intervals."""
from .interval import Interval


def merge(intervals):
    """Merge overlapping or adjacent intervals.

    Returns a new list of disjoint, non-adjacent intervals sorted by start.
    Empty intervals are dropped.
    """
    ordered = sorted((iv for iv in intervals if not iv.is_empty), key=lambda iv: iv.end)
    merged = []
    for iv in ordered:
        if merged and iv.start <= merged[-1].end:
            last = merged[-1]
            merged[-1] = Interval(last.start, max(last.end, iv.end))
        else:
            merged.append(Interval(iv.start, iv.end))
    return merged


def total_length(intervals):
    """Total length covered by the intervals (overlaps are counted once)."""
    return sum(iv.length for iv in merge(intervals))


def gaps(intervals, lo, hi):
    """The parts of ``[lo, hi)`` not covered by any interval."""
    result = []
    cursor = lo
    for iv in merge(intervals):
        if iv.end <= lo or iv.start >= hi:
            continue
        if iv.start > cursor:
            result.append(Interval(cursor, iv.start))
        cursor = max(cursor, iv.end)
    if cursor < hi:
        result.append(Interval(cursor, hi))
    return result


def find_overlapping(intervals, query):
    """All intervals (in input order) that overlap ``query``."""
    return [iv for iv in intervals if iv.overlaps(query)]
