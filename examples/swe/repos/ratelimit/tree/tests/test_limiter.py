from ratelimit import FakeClock, RateLimiter


def test_allows_up_to_rate_then_rejects():
    limiter = RateLimiter(rate=3, clock=FakeClock())
    assert [limiter.allow("a") for _ in range(4)] == [True, True, True, False]


def test_keys_are_independent():
    limiter = RateLimiter(rate=1, clock=FakeClock())
    assert limiter.allow("a")
    assert not limiter.allow("a")
    assert limiter.allow("b")


def test_recovers_after_waiting():
    clock = FakeClock()
    limiter = RateLimiter(rate=2, clock=clock)
    assert limiter.allow("a") and limiter.allow("a")
    assert not limiter.allow("a")
    clock.advance(0.5)
    assert limiter.allow("a")


def test_retry_after_rounds_up():
    clock = FakeClock()
    limiter = RateLimiter(rate=1, clock=clock)
    assert limiter.allow("a")
    clock.advance(0.2)
    assert limiter.retry_after("a") == 1


def test_reset():
    limiter = RateLimiter(rate=1, clock=FakeClock())
    limiter.allow("a")
    limiter.allow("b")
    limiter.reset("a")
    assert len(limiter) == 1
    assert limiter.allow("a")
    limiter.reset()
    assert len(limiter) == 0


def test_default_burst_for_fractional_rate():
    limiter = RateLimiter(rate=0.5, clock=FakeClock())
    assert limiter.burst == 1
