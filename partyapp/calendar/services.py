"""The working-day calendar kept in the database: seeding from chinesecalendar, a town admin
entering a new year's State Council schedule (a plain text list of 休/班 days), and the warning
shown while a year is missing. The arithmetic itself lives in clock.py, which reads the stored
years through `stored_schedule`, registered as its source when the app starts.

Seeding is automatic: migration 0002 copies the package years into the tables, and
`flask calendar-seed` (idempotent) does it for databases made otherwise. Without either,
clock.py still reads the package directly, so nothing depends on it having run.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, delete, select


from .. import audit, clock
from ..extensions import db
from ..features import calendar_changed as calendar_changed_signal
from .localday import local_day, parse_day  # noqa: F401  (for other features' SQL figures)
from .models import CalendarDay, CalendarSource, CalendarYear

_LINE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?\s+(休|班)\s*(.*)$")
MAX_LINES = 400


@dataclass(frozen=True)
class EnteredDay:
    day: date
    is_workday: bool
    name: str


def parse_schedule(text: str, year: int) -> list[EnteredDay]:
    """Lines like `2027-01-01 休 元旦` or `2027-02-07 班`. Raises ValueError (Chinese) naming
    the first bad line."""
    days: dict[date, EnteredDay] = {}
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if len(lines) > MAX_LINES:
        raise ValueError(f"最多{MAX_LINES}行")
    for number, line in enumerate(lines, start=1):
        days_entry = _parse_line(line, number)
        if days_entry.day.year != year:
            raise ValueError(f"第{number}行的日期不在{year}年：{line}")
        days[days_entry.day] = days_entry
    return sorted(days.values(), key=lambda entry: entry.day)


def _parse_line(line: str, number: int) -> EnteredDay:
    match = _LINE.match(line)
    if not match:
        raise ValueError(f"第{number}行看不懂：“{line[:40]}”。格式：2027-01-01 休 元旦")
    year, month, day, kind, name = match.groups()
    try:
        when = date(int(year), int(month), int(day))
    except ValueError:
        raise ValueError(f"第{number}行的日期不存在：{line[:40]}") from None
    return EnteredDay(when, kind == "班", name.strip()[:40])


def enter_year(actor, year: int, days: list[EnteredDay], *, complete: bool = True,
               org_id: int | None = None) -> int:
    """Store a year's schedule. complete=True replaces the whole year (the official notice);
    otherwise the lines are merged into what is there. Recomputes open deadlines. Commits."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    if complete:
        db.session.execute(delete(CalendarDay).where(CalendarDay.day.between(first, last)))
    else:
        db.session.execute(delete(CalendarDay).where(CalendarDay.day.in_([d.day for d in days])))
    db.session.add_all(CalendarDay(day=d.day, is_workday=d.is_workday, name=d.name,
                                   source=CalendarSource.ADMIN) for d in days)
    _upsert_year(year, actor, complete)
    audit.record(actor, "calendar.enter", "calendar_year", year, org_id=org_id, days=len(days),
                 complete=complete)
    db.session.flush()
    clock.invalidate_calendar()
    changed = calendar_changed(first)
    db.session.commit()
    return changed


def _upsert_year(year: int, actor, complete: bool) -> None:
    row = db.session.get(CalendarYear, year)
    if row is None:
        row = CalendarYear(year=year, complete=False)
        db.session.add(row)
    row.complete = row.complete or complete
    row.source = CalendarSource.ADMIN
    row.entered_by_id = getattr(actor, "id", None)
    row.entered_at = clock.now()


def calendar_changed(since: date) -> int:
    """Tell every feature (the `calendar_changed` signal) that working days from `since` on
    may have changed, so stored deadlines are recomputed. Returns how many rows changed."""
    replies = calendar_changed_signal.send(since)
    return sum(changed or 0 for _receiver, changed in replies)


def stored_schedule(year: int) -> clock.YearSchedule | None:
    """clock.py's source: the year's schedule from the database in one query; None when nobody
    entered it. Outside an app context the database cannot be asked."""
    from flask import has_app_context

    if not has_app_context():
        raise clock.SourceUnavailable
    rows = db.session.execute(
        select(CalendarYear.complete, CalendarDay.day, CalendarDay.is_workday)
        .outerjoin(CalendarDay, and_(CalendarDay.day >= date(year, 1, 1),
                                     CalendarDay.day <= date(year, 12, 31)))
        .where(CalendarYear.year == year)).all()
    if not rows:
        return None
    return clock.YearSchedule({r.day: r.is_workday for r in rows if r.day is not None},
                              known=bool(rows[0].complete))


def seed_from_package() -> list[int]:
    """Copy the package's years into the tables where the database has no row. Idempotent."""
    present = set(db.session.scalars(select(CalendarYear.year)))
    seeded = [year for year in clock.package_years() if year not in present]
    for year in seeded:
        db.session.add(CalendarYear(year=year, complete=True, source=CalendarSource.PACKAGE))
        db.session.add_all(CalendarDay(day=d, is_workday=w, name=n, source=CalendarSource.PACKAGE)
                           for d, w, n in clock.package_days(year))
    db.session.commit()
    clock.invalidate_calendar()
    return seeded


def calendar_warnings(on: date | None = None) -> list[str]:
    """Banner lines for admin pages: “2027年节假日安排未录入”."""
    return [f"{year}年节假日安排未录入" for year in clock.missing_calendar_years(on)]


def year_days(year: int) -> list[CalendarDay]:
    return list(db.session.scalars(select(CalendarDay).where(
        CalendarDay.day.between(date(year, 1, 1), date(year, 12, 31))).order_by(CalendarDay.day)))


def stored_years() -> list[CalendarYear]:
    return list(db.session.scalars(select(CalendarYear).order_by(CalendarYear.year.desc())))
