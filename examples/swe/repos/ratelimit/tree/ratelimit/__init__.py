"""Token-bucket rate limiting."""
from .bucket import TokenBucket
from .clock import FakeClock, monotonic
from .limiter import RateLimiter

__all__ = ["FakeClock", "RateLimiter", "TokenBucket", "monotonic"]
