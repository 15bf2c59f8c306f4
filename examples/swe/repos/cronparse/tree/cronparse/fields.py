"""Parsing one field of a cron expression into the set of values it allows."""
from .errors import CronError


def _value(text, names):
    text = text.strip().lower()
    if names and text in names:
        return names[text]
    if not text.isdigit():
        raise CronError(f"invalid value {text!r}")
    return int(text)


def parse_field(text, lo, hi, names=None):
    """Return the frozenset of values in ``[lo, hi]`` allowed by a cron field."""
    values = set()
    for part in text.split(","):
        if not part:
            raise CronError(f"empty list item in {text!r}")
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            if not step_text.isdigit() or int(step_text) == 0:
                raise CronError(f"invalid step {step_text!r}")
            step = int(step_text)
        if part == "*":
            start, end = lo, hi
        elif "-" in part:
            a, b = part.split("-", 1)
            start, end = _value(a, names), _value(b, names)
            if start > end:
                raise CronError(f"invalid range {part!r}")
            _check(start, lo, hi)
            _check(end, lo, hi)
            values.update(range(start, end, step))
            continue
        else:
            start = _value(part, names)
            end = hi if step > 1 else start  # "5/15" means 5, 20, 35, 50
        _check(start, lo, hi)
        _check(end, lo, hi)
        values.update(range(start, end + 1, step))
    return frozenset(values)


def _check(value, lo, hi):
    if not lo <= value <= hi:
        raise CronError(f"value {value} out of range {lo}-{hi}")
