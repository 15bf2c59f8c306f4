import pytest

from ratelimit import FakeClock, TokenBucket


def test_starts_full():
    bucket = TokenBucket(rate=1, capacity=3, clock=FakeClock())
    assert bucket.tokens == 3


def test_acquire_until_empty():
    bucket = TokenBucket(rate=1, capacity=2, clock=FakeClock())
    assert bucket.try_acquire()
    assert bucket.try_acquire()
    assert not bucket.try_acquire()


def test_refill_over_time_is_capped():
    clock = FakeClock()
    bucket = TokenBucket(rate=2, capacity=4, clock=clock)
    for _ in range(4):
        assert bucket.try_acquire()
    clock.advance(1)
    assert bucket.tokens == 2
    clock.advance(100)
    assert bucket.tokens == 4


def test_time_until():
    clock = FakeClock()
    bucket = TokenBucket(rate=4, capacity=1, clock=clock)
    assert bucket.time_until() == 0.0
    assert bucket.try_acquire()
    assert bucket.time_until() == pytest.approx(0.25)


def test_invalid_arguments():
    with pytest.raises(ValueError):
        TokenBucket(rate=0, capacity=1)
    with pytest.raises(ValueError):
        TokenBucket(rate=1, capacity=1).try_acquire(5)
