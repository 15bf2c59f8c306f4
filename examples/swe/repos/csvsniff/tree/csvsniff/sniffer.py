"""Guess the dialect of a sample of delimited text."""
from collections import Counter

from .dialect import CANDIDATE_DELIMITERS, CANDIDATE_QUOTES, Dialect
from .reader import read_rows


class SniffError(ValueError):
    pass


def _count_outside_quotes(line, ch, quotechar):
    count, in_quotes = 0, False
    for c in line:
        if c == quotechar:
            in_quotes = not in_quotes
        elif c == ch and not in_quotes:
            count += 1
    return count


def _guess_quotechar(lines):
    counts = Counter(c for line in lines for c in line if c in CANDIDATE_QUOTES)
    return counts.most_common(1)[0][0] if counts else '"'


def _guess_delimiter(lines, quotechar):
    best, best_score = None, 0.0
    for delim in CANDIDATE_DELIMITERS:
        counts = [_count_outside_quotes(line, delim, quotechar) for line in lines]
        mode, freq = Counter(counts).most_common(1)[0]
        if mode == 0:
            continue
        score = freq / len(counts) + mode / 1000.0
        if score > best_score:
            best, best_score = delim, score
    return best


def _looks_numeric(value):
    try:
        float(value.replace(",", "."))
    except ValueError:
        return False
    return True


def _guess_header(rows):
    if len(rows) < 2:
        return False
    header, data = rows[0], rows[1:]
    for col, name in enumerate(header):
        column = [r[col] for r in data if col < len(r) and r[col]]
        if column and all(_looks_numeric(v) for v in column) and not _looks_numeric(name):
            return True
    return len(set(header)) == len(header) and not any(_looks_numeric(h) for h in header) and len(rows) > 2


def sniff(sample, max_lines=50):
    lines = [line for line in sample.splitlines()[:max_lines] if line.strip()]
    if not lines:
        raise SniffError("empty sample")
    quotechar = _guess_quotechar(lines)
    delimiter = _guess_delimiter(lines, quotechar)
    if delimiter is None:
        raise SniffError("could not determine the delimiter")
    rows = read_rows("\n".join(lines), Dialect(delimiter, quotechar))
    return Dialect(delimiter, quotechar, _guess_header(rows))
