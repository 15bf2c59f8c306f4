"""spans: half-open intervals and interval-set helpers."""
from .interval import Interval
from .ops import find_overlapping, gaps, merge, total_length

__all__ = ["Interval", "find_overlapping", "gaps", "merge", "total_length"]
