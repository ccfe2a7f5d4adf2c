"""Working days in Peru: Monday to Friday except the national public holidays (feriados nacionales), which come
from the maintained `holidays` package (Semana Santa moves every year; Congress adds feriados, e.g. 7 June since
2024), never from a hand-kept list."""

import calendar
import functools
from datetime import date, timedelta

import holidays


@functools.lru_cache(maxsize=64)
def _holidays_of(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("PE", years=year))


def is_holiday(day: date) -> bool:
    return day in _holidays_of(day.year)


def holiday_name(day: date) -> str | None:
    return holidays.country_holidays("PE", years=day.year).get(day)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and not is_holiday(day)


def add_working_days(start: date, days: int) -> date:
    """The ``days``-th working day after ``start`` (the day of notification itself is not counted)."""
    current = start
    while days > 0:
        current += timedelta(days=1)
        if is_working_day(current):
            days -= 1
    return current


def add_months(start: date, months: int) -> date:
    """A term in months ends on the same day of the month ("de fecha a fecha", Código Civil art. 183.2); when
    that month is shorter, on its last day."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))
