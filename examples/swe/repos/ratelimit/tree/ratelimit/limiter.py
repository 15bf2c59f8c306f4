"""Per-key rate limiting (per user, per IP address, ...)."""
import math

from .bucket import TokenBucket, ceil_seconds


class RateLimiter:
    """Keeps one token bucket per key.

    ``rate`` is the sustained number of requests per second for each key and
    ``burst`` the number of requests a key may make at once (default: ``rate``
    rounded up, at least 1).
    """

    def __init__(self, rate, burst=None, clock=None, max_keys=10000):
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.burst = burst if burst is not None else max(1, math.ceil(rate))
        self.max_keys = max_keys
        self._clock = clock
        self._buckets = {}

    def _bucket(self, key):
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.max_keys:
                self._evict_full_buckets()
            bucket = TokenBucket(self.burst, self.rate, clock=self._clock)
            self._buckets[key] = bucket
        return bucket

    def _evict_full_buckets(self):
        """Forget keys whose bucket is full again: they behave like new keys."""
        for key in [k for k, b in self._buckets.items() if b.tokens >= b.capacity]:
            del self._buckets[key]

    def allow(self, key, cost=1):
        """Record a request for ``key``; return False if it must be rejected."""
        return self._bucket(key).try_acquire(cost)

    def retry_after(self, key, cost=1):
        """Whole seconds to wait before a request of ``cost`` will be allowed."""
        return ceil_seconds(self._bucket(key).time_until(cost))

    def remaining(self, key):
        """Requests ``key`` could make right now."""
        return int(self._bucket(key).tokens)

    def reset(self, key=None):
        """Forget one key, or all keys."""
        if key is None:
            self._buckets.clear()
        else:
            self._buckets.pop(key, None)

    def __len__(self):
        return len(self._buckets)
