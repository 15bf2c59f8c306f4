"""A classic token bucket."""
import math

from .clock import monotonic


class TokenBucket:
    """Token bucket holding up to ``capacity`` tokens, refilled at ``rate`` tokens per second.

    The bucket starts full.
    """

    def __init__(self, rate, capacity, clock=None):
        if rate <= 0:
            raise ValueError("rate must be positive")
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.rate = float(rate)
        self.capacity = float(capacity)
        self._clock = clock or monotonic
        self._tokens = self.capacity
        self._updated = self._clock()

    def _refill(self):
        now = self._clock()
        elapsed = max(0.0, now - self._updated)
        self._tokens = min(self.capacity, self._tokens + elapsed * self.rate)
        self._updated = now

    @property
    def tokens(self):
        self._refill()
        return self._tokens

    def try_acquire(self, n=1):
        """Take ``n`` tokens if available; return True on success."""
        if n > self.capacity:
            raise ValueError("cannot acquire more tokens than the capacity")
        self._refill()
        if self._tokens >= n:
            self._tokens -= n
            return True
        return False

    def time_until(self, n=1):
        """Seconds until ``n`` tokens will be available (0.0 if they already are)."""
        self._refill()
        missing = n - self._tokens
        if missing <= 0:
            return 0.0
        return missing / self.rate

    def reset(self):
        """Refill the bucket completely."""
        self._tokens = self.capacity
        self._updated = self._clock()

    def __repr__(self):
        return f"TokenBucket(rate={self.rate}, capacity={self.capacity})"


def ceil_seconds(seconds):
    """Round a wait time up to whole seconds, for HTTP Retry-After headers."""
    return int(math.ceil(seconds))
