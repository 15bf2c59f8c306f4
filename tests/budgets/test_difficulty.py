"""Difficulty estimates from the first samples, early stopping, and the batch-level allocation hook."""
import pytest

from budgets.difficulty import allocate, estimate, stop_early, weight


def test_agreeing_verified_samples_are_easy_and_stop_early():
    d = estimate(["a", "a", "a"], verified=1.0)
    assert d.level == 0.0 and d.easy and stop_early(d)


def test_disagreement_or_failed_verification_is_hard():
    split = estimate(["a", "b", "c", None], verified=0.0)
    agree_but_fail = estimate(["a", "a"], verified=0.0)
    assert split.level > agree_but_fail.level > 0.25
    assert not stop_early(agree_but_fail) and not stop_early(split)
    # one sample cannot agree with anything: never an early stop, never "easy" on its own
    one = estimate(["a"], verified=1.0)
    assert not stop_early(one) and not one.easy


def test_weight_is_one_at_the_middle_and_bounded():
    assert weight(0.5) == pytest.approx(1.0)
    assert weight(0.0) == pytest.approx(0.5) and weight(1.0) == pytest.approx(2.0)
    assert weight(0.2) < weight(0.4) < weight(0.6) < weight(0.9)


def test_allocate_gives_hard_tasks_more_and_keeps_a_floor_for_the_rest():
    left = {"tokens": 100_000, "run_tests": 40}
    easy = allocate(left, 4, 0.0)
    mid = allocate(left, 4, None)
    hard = allocate(left, 4, 1.0)
    assert easy["tokens"] < mid["tokens"] == 25_000 < hard["tokens"]
    assert hard == {"tokens": 50_000.0, "run_tests": 20.0}
    # the first of many tasks, very hard: capped so the 9 after it keep a quarter share each
    capped = allocate({"tokens": 10_000}, 10, 1.0, high=20.0)
    assert capped["tokens"] == 10_000 - 0.25 * 1_000 * 9
    # the last task gets what is left, whatever its difficulty
    assert allocate({"tokens": 777, "usd": 0.5}, 1, 0.0) == {"tokens": 777.0, "usd": 0.5}
    # summed over a batch, the allocations never exceed the batch budget
    rem, spent = 30_000.0, 0.0
    for i, level in enumerate([1.0, 1.0, 0.0, 1.0, 0.5]):
        got = allocate({"tokens": rem}, 5 - i, level)["tokens"]
        spent += got
        rem -= got
    assert spent <= 30_000 and rem >= 0
    with pytest.raises(ValueError):
        allocate(left, 0, 0.5)
