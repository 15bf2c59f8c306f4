"""Session-wide reporting. The escape suite (tests/sandboxes) attaches each attack it ran to its test
report as a user property named "escape"; they are gathered here, where the reports arrive (in the
one pytest process, or in pytest-xdist's controller when `make test` runs the suite in workers), and
the session ends with `escape suite: N attacks, M escapes`."""
from __future__ import annotations

from collections import defaultdict

ESCAPES: dict[str, list[tuple[str, bool, str]]] = defaultdict(list)


def pytest_runtest_logreport(report):
    for name, value in report.user_properties:
        if name == "escape":
            backend, attack, escaped, what = value
            ESCAPES[backend].append((attack, bool(escaped), what))


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not ESCAPES:
        return
    attacks = sum(len(v) for v in ESCAPES.values())
    escapes = sum(1 for rows in ESCAPES.values() for _, esc, _ in rows if esc)
    per = ", ".join(f"{b}: {len(rows)}" for b, rows in sorted(ESCAPES.items()))
    terminalreporter.write_sep("-", "sandbox escape suite")
    for b, rows in sorted(ESCAPES.items()):
        for attack, escaped, what in rows:
            terminalreporter.write_line(f"  [{b}] {attack}: {'ESCAPED' if escaped else 'contained'} - {what}")
    terminalreporter.write_line(f"escape suite: {attacks} attacks, {escapes} escapes ({per})")
