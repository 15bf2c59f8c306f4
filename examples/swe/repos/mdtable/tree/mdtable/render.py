"""Rendering rows as a Markdown table."""
from .align import normalize, pad, separator
from .width import truncate

MIN_WIDTH = 3  # a separator cell needs at least ":-:"


def _cell(value, max_width=None):
    if value is None:
        return ""
    text = str(value).replace("\r\n", " ").replace("\n", " ")
    if max_width is not None:
        text = truncate(text, max_width)
    return text


def _line(cells, widths, aligns):
    return "| " + " | ".join(pad(c, w, a) for c, w, a in zip(cells, widths, aligns)) + " |"


def render(rows, headers, align=None, max_width=None):
    """Render ``rows`` (a list of sequences) under ``headers`` as a Markdown table string.

    Short rows are padded with empty cells; rows longer than the header raise ValueError.
    """
    head = [_cell(h, max_width) for h in headers]
    ncols = len(head)
    if ncols == 0:
        raise ValueError("a table needs at least one column")
    body = []
    for i, row in enumerate(rows):
        row = list(row)
        if len(row) > ncols:
            raise ValueError(f"row {i} has {len(row)} cells but there are {ncols} headers")
        row += [None] * (ncols - len(row))
        body.append([_cell(v, max_width) for v in row])
    widths = [max([MIN_WIDTH, len(head[c])] + [len(r[c]) for r in body]) for c in range(ncols)]
    aligns = normalize(align, ncols)
    lines = [
        _line(head, widths, aligns),
        "|" + "|".join(separator(w + 2, a) for w, a in zip(widths, aligns)) + "|",
    ]
    lines.extend(_line(r, widths, aligns) for r in body)
    return "\n".join(lines)
