"""Tables of the 公示 service: a notice (one feature's results for a branch, year and subject,
shown for a notice period counted in working days) and the objections lodged against it."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import clock
from ..extensions import db
from ..models import Organization, Person, UTCDateTime


class Notice(db.Model):
    """公示: final after `ends_on` (computed from the clock, no job)."""

    __tablename__ = "notice"
    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    year: Mapped[int]
    subject: Mapped[str] = mapped_column(String(40))      # e.g. "stars", "satisfaction-Q4"
    title: Mapped[str] = mapped_column(String(100))
    published_on: Mapped[date]
    notice_days: Mapped[int]
    ends_on: Mapped[date]
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))

    branch: Mapped[Organization] = relationship()

    def is_final(self, today: date) -> bool:
        return today > self.ends_on

    def is_open(self, today: date) -> bool:
        return today <= self.ends_on


class NoticeObjection(db.Model):
    """A member's objection to one notice, and the answer. It stays with that notice."""

    __tablename__ = "notice_objection"
    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notice.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    reason: Mapped[str] = mapped_column(Text)
    lodged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))

    notice: Mapped[Notice] = relationship()
    person: Mapped[Person] = relationship(foreign_keys=[person_id])
