"""Indentation helpers."""


def indent(text, prefix, skip_blank=True):
    """Add ``prefix`` to every line (blank lines are left alone by default)."""
    out = []
    for line in text.splitlines(keepends=True):
        if skip_blank and not line.strip():
            out.append(line)
        else:
            out.append(prefix + line)
    return "".join(out)


def dedent(text):
    """Remove the whitespace prefix common to all non-blank lines."""
    lines = text.splitlines(keepends=True)
    margins = [len(l) - len(l.lstrip(" \t")) for l in lines if l.strip()]
    cut = min(margins) if margins else 0
    return "".join(l[cut:] if l.strip() else l.lstrip(" \t") for l in lines)
