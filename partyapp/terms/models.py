"""Tables of the terms feature: an organisation's terms (届期) and the reminders sent."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import clock
from ..extensions import db
from ..models import Organization, UTCDateTime


class OrgTerm(db.Model):
    """One term of an organisation's committee. The current one has no `ended_on`; recording
    the next 换届 ends it on that day and starts the next. Rows are never deleted."""

    __tablename__ = "org_term"
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    started_on: Mapped[date]
    years: Mapped[int]
    ends_on: Mapped[date]                      # when it is due to end (started_on + years)
    ended_on: Mapped[date | None]              # when the next 换届 was recorded
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    org: Mapped[Organization] = relationship()


Index("ix_org_term_current", OrgTerm.org_id, OrgTerm.ended_on)


class TermReminder(db.Model):
    """Claims a reminder: one row per term and stage (6m, 3m, 1m, overdue) — the unique key."""

    __tablename__ = "term_reminder"
    __table_args__ = (UniqueConstraint("term_id", "stage"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("org_term.id"))
    stage: Mapped[str] = mapped_column(String(12))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
