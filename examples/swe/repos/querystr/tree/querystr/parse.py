"""Parsing query strings."""
from .codec import unquote


def parse_qsl(query, keep_blank_values=False, separator="&"):
    """Parse a query string into a list of ``(name, value)`` pairs, in order."""
    if query.startswith("?"):
        query = query[1:]
    pairs = []
    for chunk in query.split(separator):
        if not chunk:
            continue
        if "=" in chunk:
            name, value = chunk.split("=")
        else:
            name, value = chunk, ""
        if not value and not keep_blank_values:
            continue
        pairs.append((unquote(name), unquote(value)))
    return pairs


def parse_qs(query, keep_blank_values=False, separator="&"):
    """Parse a query string into ``{name: [values...]}``."""
    result = {}
    for name, value in parse_qsl(query, keep_blank_values, separator):
        result.setdefault(name, []).append(value)
    return result
