"""Building query strings."""
from .codec import quote


def urlencode(params, doseq=True):
    """Encode a mapping or a sequence of pairs; list values repeat the name when ``doseq``."""
    items = params.items() if hasattr(params, "items") else params
    parts = []
    for name, value in items:
        if doseq and isinstance(value, (list, tuple)):
            parts.extend(f"{quote(name)}={quote(v)}" for v in value)
        elif value is None:
            parts.append(quote(name))
        else:
            parts.append(f"{quote(name)}={quote(value)}")
    return "&".join(parts)
