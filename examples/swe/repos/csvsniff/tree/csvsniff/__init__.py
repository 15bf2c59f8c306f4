"""csvsniff: guess CSV dialects and read delimited text."""
from .dialect import Dialect
from .reader import read_rows, split_line
from .sniffer import SniffError, sniff

__all__ = ["Dialect", "SniffError", "read_rows", "sniff", "split_line"]
