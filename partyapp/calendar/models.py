"""The working-day calendar's tables: which years' official schedules are known, and the days
that differ from plain Monday–Friday. clock.py reads them only through the source this package
registers at start-up (see services.stored_schedule)."""
from datetime import date, datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .. import clock
from ..extensions import db
from ..models import UTCDateTime


class CalendarSource:
    PACKAGE = "package"   # copied from chinesecalendar (2004–2026)
    ADMIN = "admin"       # entered by a town admin from the State Council's notice


class CalendarYear(db.Model):
    """A year whose official holiday schedule is known. While a year has no row here (and the
    package does not know it), working days fall back to Monday–Friday — see clock.py."""

    __tablename__ = "calendar_year"
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    complete: Mapped[bool] = mapped_column(default=True)
    source: Mapped[str] = mapped_column(String(10), default=CalendarSource.PACKAGE)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class CalendarDay(db.Model):
    """A day that differs from plain Monday–Friday or carries a holiday name: a holiday (休)
    or a make-up working day (班, 调休). Every other day is a workday iff Monday–Friday."""

    __tablename__ = "calendar_day"
    day: Mapped[date] = mapped_column(primary_key=True)
    is_workday: Mapped[bool]
    name: Mapped[str] = mapped_column(String(40), default="")
    source: Mapped[str] = mapped_column(String(10), default=CalendarSource.PACKAGE)
