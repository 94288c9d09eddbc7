"""The single source of time. Nothing else calls datetime.now().

Timestamps are aware UTC datetimes everywhere in Python and stored as naive UTC in the
database (see models.UTCDateTime); people see and count time in Asia/Shanghai.
Tests travel in time with `clock.travel(...)`.
"""
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta, timezone
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
