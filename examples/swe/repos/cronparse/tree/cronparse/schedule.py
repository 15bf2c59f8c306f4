"""CronSchedule: match datetimes and find the next firing time."""
from datetime import timedelta

from .errors import CronError
from .fields import parse_field
from .names import MACROS, MONTHS, WEEKDAYS

_SEARCH_LIMIT = timedelta(days=366 * 5)


class CronSchedule:
    def __init__(self, expression):
        self.expression = expression
        text = MACROS.get(expression.strip().lower(), expression)
        parts = text.split()
        if len(parts) != 5:
            raise CronError(f"expected 5 fields, got {len(parts)}: {expression!r}")
        minute, hour, dom, month, dow = parts
        self.minutes = parse_field(minute, 0, 59)
        self.hours = parse_field(hour, 0, 23)
        self.days = parse_field(dom, 1, 31)
        self.months = parse_field(month, 1, 12, MONTHS)
        weekdays = parse_field(dow, 0, 7, WEEKDAYS)
        self.weekdays = frozenset(d % 7 for d in weekdays)  # 7 is Sunday too

    def _day_matches(self, dt):
        weekday = (dt.weekday() + 1) % 7  # cron: 0 = Sunday
        return dt.day in self.days and weekday in self.weekdays

    def matches(self, dt):
        return (
            dt.minute in self.minutes
            and dt.hour in self.hours
            and dt.month in self.months
            and self._day_matches(dt)
        )

    def next_after(self, dt):
        """The first time strictly after ``dt`` (at minute precision) that matches."""
        current = dt.replace(second=0, microsecond=0) + timedelta(minutes=1)
        limit = current + _SEARCH_LIMIT
        while current < limit:
            if current.month not in self.months:
                first = current.replace(day=1, hour=0, minute=0)
                current = (first + timedelta(days=32)).replace(day=1)
            elif not self._day_matches(current):
                current = (current + timedelta(days=1)).replace(hour=0, minute=0)
            elif current.hour not in self.hours:
                current = (current + timedelta(hours=1)).replace(minute=0)
            elif current.minute not in self.minutes:
                current += timedelta(minutes=1)
            else:
                return current
        raise CronError(f"{self.expression!r} never matches")

    def __repr__(self):
        return f"CronSchedule({self.expression!r})"
