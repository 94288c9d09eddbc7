"""Tables of the training feature: the town's sessions and who came, external course records,
and the year-end reminders sent."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import clock
from ..extensions import db
from ..models import Organization, Person, UTCDateTime


class TrainingKind:
    ROTATION = "rotation"   # 支部书记轮训 (004 §22: each secretary once a year, at least a day)
    COURSE = "course"       # 党员集中培训 (004 §25, 003 §22 冬训)
    LABELS = {ROTATION: "支部书记轮训", COURSE: "党员集中培训"}


class TrainingSession(db.Model):
    """A training the town plans (镇党委统筹): its participants are listed and checked in."""

    __tablename__ = "training_session"
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)   # the town
    kind: Mapped[str] = mapped_column(String(12))
    title: Mapped[str] = mapped_column(String(120))
    starts_on: Mapped[date]
    days: Mapped[float]
    hours: Mapped[float]                    # class hours (学时) each participant earns
    place: Mapped[str] = mapped_column(String(120), default="")
    planned_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    org: Mapped[Organization] = relationship()


class TrainingParticipant(db.Model):
    """One person expected at a session; `checked_in_at` once they came (a second check-in
    changes nothing)."""

    __tablename__ = "training_participant"
    __table_args__ = (UniqueConstraint("session_id", "person_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_session.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_in_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))

    person: Mapped[Person] = relationship(foreign_keys=[person_id])


class TrainingRecord(db.Model):
    """An external course (县委党校、网络党校 …) entered for one person."""

    __tablename__ = "training_record"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))   # who entered it for
    title: Mapped[str] = mapped_column(String(120))
    provider: Mapped[str] = mapped_column(String(80), default="")
    started_on: Mapped[date]
    days: Mapped[float]
    hours: Mapped[float]
    rotation: Mapped[bool] = mapped_column(default=False)   # counts as the secretary's 轮训
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    person: Mapped[Person] = relationship(foreign_keys=[person_id])


Index("ix_training_record_person_day", TrainingRecord.person_id, TrainingRecord.started_on)


class TrainingReminder(db.Model):
    """Claims the year-end reminder: one per person and year (the unique key)."""

    __tablename__ = "training_reminder"
    __table_args__ = (UniqueConstraint("person_id", "year"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    year: Mapped[int]
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
