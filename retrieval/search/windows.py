"""Date windows a time phrase stands for, in any language: a day (with the days its news
appears after it), a month or a year (with the weeks its figures are reported after it),
a span around a moment. `timeframe.py` (English) and `timeframe_ru.py` (Russian) both draw
with these."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

# News reports an event on the day or the days after it...
REPORTING_GRACE = timedelta(days=3)
# ...and a month's or a year's figures in the weeks after it ends.
PERIOD_GRACE = timedelta(days=35)


def month_span(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def latest_month(month: int, today: date) -> int:
    """The year of the most recent `month` not after today."""
    return today.year if month <= today.month else today.year - 1


def previous_month(today: date) -> tuple[int, int]:
    return (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)


def days_before(today: date, days: int) -> date:
    """`days` before today, or the earliest date there is ("the past 3000 years")."""
    if days >= (today - date.min).days:
        return date.min
    return today - timedelta(days=days)


def span(start: date, end: date) -> tuple[date, date]:
    return start, end + PERIOD_GRACE


def day(year: int, month: int, day_of_month: int) -> tuple[date, date]:
    when = date(year, month, day_of_month)
    return when - timedelta(days=1), when + REPORTING_GRACE


def around(when: date, width_days: int) -> tuple[date, date]:
    half = timedelta(days=max(2, width_days // 2 + 1))
    start = when - half if (when - date.min) > half else date.min
    return start, when + half
