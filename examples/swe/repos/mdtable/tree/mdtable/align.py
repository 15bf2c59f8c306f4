"""Cell padding and the header separator row."""

ALIGNMENTS = ("left", "right", "center")


def normalize(align, ncols):
    """Return a list of ``ncols`` alignments from None, a string or a list."""
    if align is None:
        return ["left"] * ncols
    if isinstance(align, str):
        align = [align] * ncols
    align = list(align) + ["left"] * (ncols - len(align))
    for a in align:
        if a not in ALIGNMENTS:
            raise ValueError(f"unknown alignment {a!r}; use one of {ALIGNMENTS}")
    return align[:ncols]


def pad(text, width, alignment="left"):
    """Pad ``text`` with spaces to ``width`` columns."""
    if alignment == "right":
        return text.rjust(width)
    if alignment == "center":
        return text.center(width)
    return text.ljust(width)


def separator(width, alignment="left"):
    """The ``|---|`` cell for one column, with alignment colons."""
    if alignment == "left":
        return ":" + "-" * (width - 1)
    if alignment == "right":
        return "-" * (width - 1) + ":"
    return ":" + "-" * (width - 2) + ":"
