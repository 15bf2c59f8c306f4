"""Splitting delimited text into records and fields."""
from .dialect import Dialect


def split_line(line, delimiter=",", quotechar='"'):
    """Split one record into fields, honouring quoted fields."""
    fields, buf = [], []
    in_quotes = False
    i = 0
    while i < len(line):
        ch = line[i]
        if in_quotes:
            if ch == quotechar:
                in_quotes = False
            else:
                buf.append(ch)
        elif ch == quotechar and not buf:
            in_quotes = True
        elif ch == delimiter:
            fields.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
        i += 1
    fields.append("".join(buf))
    return fields


def _records(text, quotechar):
    """Yield physical records, joining lines whose quoted field spans a line break."""
    pending = None
    for line in text.splitlines():
        if pending is not None:
            line = pending + "\n" + line
        if line.count(quotechar) % 2:
            pending = line
            continue
        pending = None
        yield line
    if pending is not None:
        raise ValueError("unterminated quoted field at end of input")


def read_rows(text, dialect=None, skip_blank=True):
    """Read ``text`` into a list of rows (lists of strings)."""
    dialect = dialect or Dialect()
    rows = []
    for record in _records(text, dialect.quotechar):
        if skip_blank and not record.strip():
            continue
        rows.append(split_line(record, dialect.delimiter, dialect.quotechar))
    return rows
