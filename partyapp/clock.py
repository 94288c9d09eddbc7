"""The single source of time. Nothing else calls datetime.now().

Timestamps are aware UTC datetimes everywhere in Python and stored as naive UTC in the
database (see models.UTCDateTime); people see and count time in Asia/Shanghai.
Tests travel in time with `clock.travel(...)`.
"""
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

UTC = timezone.utc
CHINA = ZoneInfo("Asia/Shanghai")

_frozen_at: datetime | None = None
_offset = timedelta(0)


def now() -> datetime:
    """Current time, aware, in UTC."""
    if _frozen_at is not None:
        return _frozen_at
    return datetime.now(UTC) + _offset


def local_now() -> datetime:
    return now().astimezone(CHINA)


def today() -> date:
    """Today's date in China."""
    return local_now().date()


def to_local(moment: datetime) -> datetime:
    return moment.astimezone(CHINA)


def local_date(moment: datetime) -> date:
    return to_local(moment).date()


def local_datetime(day: date, at: time = time(0, 0)) -> datetime:
    """A wall-clock time in China as an aware UTC datetime."""
    return datetime.combine(day, at, tzinfo=CHINA).astimezone(UTC)


def end_of_local_day(day: date) -> datetime:
    return local_datetime(day, time(23, 59, 59))


@contextmanager
def travel(to: datetime, *, tick: bool = False):
    """Freeze time at `to` (aware), or with tick=True let it run on from there."""
    global _frozen_at, _offset
    if to.tzinfo is None:
        raise ValueError("travel() needs an aware datetime")
    saved = (_frozen_at, _offset)
    if tick:
        _frozen_at, _offset = None, to - datetime.now(UTC)
    else:
        _frozen_at = to.astimezone(UTC)
    try:
        yield
    finally:
        _frozen_at, _offset = saved


def move(by: timedelta) -> None:
    """Move frozen time forward (tests)."""
    global _frozen_at
    if _frozen_at is None:
        raise RuntimeError("move() works inside travel()")
    _frozen_at += by


# ---- Working days (Chinese State Council schedule) -----------------------------------------
# Where a year's schedule comes from, first match wins:
#   1. the registered source (partyapp.calendar registers the database at start-up: a
#      calendar_year row + calendar_day exceptions; town admins enter new years),
#   2. the chinesecalendar package (2004–2026),
#   3. plain Monday–Friday (a year nobody has entered yet; the admin pages warn about it).
# Each year is loaded once per process with ONE query and cached for CALENDAR_TTL seconds
# (an admin edit clears the cache at once in its own process; other processes follow the TTL).
# Works without a source, or when it cannot answer (no app context): then only 2 and 3.
# This module imports no tables and no feature.

CALENDAR_TTL = 60.0
WARNING_HORIZON = timedelta(days=60)   # warn about next year from two months before it starts

PACKAGE_HOLIDAY_NAMES = {
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节", "Dragon Boat Festival": "端午节", "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


@dataclass(frozen=True)
class YearSchedule:
    exceptions: dict          # date -> is_workday, for days that are not plain Mon–Fri
    known: bool               # False: nobody entered this year; Monday–Friday is a guess


_calendar_cache: dict[int, tuple[float, YearSchedule]] = {}


class SourceUnavailable(Exception):
    """Raised by a calendar source that cannot answer now (e.g. no database at hand)."""


_calendar_source = None   # (year) -> YearSchedule | None, see set_calendar_source


def set_calendar_source(source) -> None:
    """Where entered years come from: `source(year)` returns the year's YearSchedule, None
    when nobody entered it, or raises SourceUnavailable. Registered once at start-up."""
    global _calendar_source
    _calendar_source = source
    invalidate_calendar()


def invalidate_calendar() -> None:
    _calendar_cache.clear()


def is_workday(day: date) -> bool:
    exceptions = year_schedule(day.year).exceptions
    if day in exceptions:
        return exceptions[day]
    return day.weekday() < 5


def add_working_days(start: date, n: int) -> date:
    """The n-th working day STRICTLY after `start` (a rest day is not day 0: see TECH-NOTES)."""
    if n < 1:
        raise ValueError("n must be at least 1")
    day, counted = start, 0
    while counted < n:
        day += timedelta(days=1)
        counted += is_workday(day)
    return day


def working_days_between(start: date, end: date) -> int:
    """How many working days d with start < d <= end (0 when end <= start)."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += is_workday(day)
    return count


def working_days_counter(first: date, last: date):
    """`working_days_between` for many pairs of dates within [first, last], O(1) each: one
    pass over the range builds the running count of working days (figures over thousands of
    opinions). Pairs outside the range fall back to the loop."""
    running: dict[date, int] = {}
    count, day = 0, first
    while day <= last:
        count += is_workday(day)
        running[day] = count
        day += timedelta(days=1)

    def between(start: date, end: date) -> int:
        if end <= start:
            return 0
        if start in running and end in running:
            return running[end] - running[start]
        return working_days_between(start, end)

    return between


def deadline_after(moment: datetime, working_days: int = 5) -> datetime:
    """End (23:59:59 China) of the n-th working day strictly after the local date of `moment`."""
    return end_of_local_day(add_working_days(local_date(moment), working_days))


def missing_calendar_years(on: date | None = None) -> list[int]:
    """Years deadlines may reach soon (this year, and next year within two months) whose
    holiday schedule nobody has entered: working days fall back to Monday–Friday there."""
    on = on or today()
    years = range(on.year, (on + WARNING_HORIZON).year + 1)
    return [year for year in years if not year_schedule(year).known]


def year_schedule(year: int) -> YearSchedule:
    cached = _calendar_cache.get(year)
    if cached is not None and _monotonic() - cached[0] < CALENDAR_TTL:
        return cached[1]
    stored, answered = _from_source(year)
    schedule = stored or _package_year(year) or YearSchedule({}, known=False)
    if answered:  # without the source the answer may be incomplete: don't keep it
        _calendar_cache[year] = (_monotonic(), schedule)
    return schedule


def _from_source(year: int) -> tuple[YearSchedule | None, bool]:
    if _calendar_source is None:
        return None, False
    try:
        return _calendar_source(year), True
    except SourceUnavailable:
        return None, False


def package_days(year: int) -> list[tuple[date, bool, str]]:
    """(day, is_workday, Chinese name) from chinesecalendar, [] for a year it does not know."""
    import chinese_calendar

    holidays = [(d, False, n) for d, n in chinese_calendar.holidays.items() if d.year == year]
    workdays = [(d, True, n) for d, n in chinese_calendar.workdays.items()
                if d.year == year and d.weekday() >= 5]
    return sorted((d, w, PACKAGE_HOLIDAY_NAMES.get(n, n or "")) for d, w, n in holidays + workdays)


def package_years() -> range:
    import chinese_calendar

    return range(min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year + 1)


@lru_cache(maxsize=64)
def _package_year(year: int) -> YearSchedule | None:
    if year not in package_years():
        return None
    return YearSchedule({d: w for d, w, _ in package_days(year)}, known=True)


def _monotonic() -> float:
    import time as _time

    return _time.monotonic()
