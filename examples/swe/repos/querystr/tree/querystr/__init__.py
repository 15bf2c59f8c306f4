"""querystr: URL query strings."""
from .codec import quote, unquote
from .parse import parse_qs, parse_qsl
from .build import urlencode

__all__ = ["parse_qs", "parse_qsl", "quote", "unquote", "urlencode"]
