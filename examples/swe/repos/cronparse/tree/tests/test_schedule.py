from datetime import datetime

import pytest

from cronparse import CronError, CronSchedule


def test_every_fifteen_minutes():
    s = CronSchedule("*/15 * * * *")
    assert s.next_after(datetime(2024, 1, 1, 10, 7)) == datetime(2024, 1, 1, 10, 15)
    assert s.next_after(datetime(2024, 1, 1, 10, 45)) == datetime(2024, 1, 1, 11, 0)


def test_daily_macro():
    s = CronSchedule("@daily")
    assert s.next_after(datetime(2024, 3, 1, 12, 0)) == datetime(2024, 3, 2, 0, 0)


def test_weekday_names():
    s = CronSchedule("30 8 * * mon")
    # 2024-03-01 is a Friday
    assert s.next_after(datetime(2024, 3, 1, 9, 0)) == datetime(2024, 3, 4, 8, 30)


def test_sunday_as_seven():
    s = CronSchedule("0 12 * * 7")
    assert s.next_after(datetime(2024, 3, 1)) == datetime(2024, 3, 3, 12, 0)


def test_month_rollover():
    s = CronSchedule("0 0 1 jan *")
    assert s.next_after(datetime(2024, 6, 15)) == datetime(2025, 1, 1, 0, 0)


def test_day_of_month_only():
    s = CronSchedule("0 6 31 * *")
    assert s.next_after(datetime(2024, 4, 1)) == datetime(2024, 5, 31, 6, 0)


def test_matches():
    s = CronSchedule("0 9 * * 1")
    assert s.matches(datetime(2024, 3, 4, 9, 0))
    assert not s.matches(datetime(2024, 3, 5, 9, 0))


def test_wrong_number_of_fields():
    with pytest.raises(CronError):
        CronSchedule("* * * *")
