"""Clocks returning seconds as floats."""
import time


def monotonic():
    """The default clock: seconds from an arbitrary, monotonic origin."""
    return time.monotonic()


class FakeClock:
    """A manually driven clock for tests."""

    def __init__(self, start=0.0):
        self.now = float(start)

    def __call__(self):
        return self.now

    def advance(self, seconds):
        if seconds < 0:
            raise ValueError("time only moves forward")
        self.now += seconds
