"""Tables of the 党费 feature. Money is whole 分 (integers: exact on SQLite and PostgreSQL).
Records are audited and never deleted."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import clock
from ..extensions import db
from ..models import Person, UTCDateTime


class DuesCategory:
    EMPLOYED = "employed"     # 在职党员: a monthly income base and the standard brackets
    RETIRED = "retired"       # 离退休党员: a pension base and the standard brackets
    FARMER = "farmer"         # 农民党员: a small fixed amount
    OTHER = "other"           # 其他（学生、下岗失业、生活困难）: a small fixed amount
    LABELS = {EMPLOYED: "在职党员", RETIRED: "离退休党员", FARMER: "农民党员", OTHER: "其他党员"}
    WITH_BASE = (EMPLOYED, RETIRED)


class DuesProfile(db.Model):
    """How a member's dues are worked out. The base is seen by the member and the recorder."""

    __tablename__ = "dues_profile"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), unique=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    category: Mapped[str] = mapped_column(String(12))
    base_fen: Mapped[int | None]            # monthly income / pension base (在职、离退休)
    fixed_fen: Mapped[int | None]           # the small fixed amount (农民、其他)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    person: Mapped[Person] = relationship(foreign_keys=[person_id])


class DuesPayment(db.Model):
    """One payment as the recorder received it: one month, or several at once when the branch
    approved it."""

    __tablename__ = "dues_payment"
    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    paid_on: Mapped[date]
    how: Mapped[str] = mapped_column(String(12))           # cash, transfer
    total_fen: Mapped[int]
    months: Mapped[int]
    approved: Mapped[bool] = mapped_column(default=False)  # several months: branch approved
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class DuesRecord(db.Model):
    """What one member owes for one month, and whether and how it was paid."""

    __tablename__ = "dues_record"
    __table_args__ = (UniqueConstraint("person_id", "month"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    month: Mapped[str] = mapped_column(String(7))           # 2026-11
    due_fen: Mapped[int]
    source: Mapped[str] = mapped_column(String(8))          # rule, entered
    rule_text: Mapped[str] = mapped_column(String(120), default="")
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("dues_payment.id"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    payment: Mapped[DuesPayment | None] = relationship()

    @property
    def paid(self) -> bool:
        return self.payment_id is not None


Index("ix_dues_record_branch_month", DuesRecord.branch_id, DuesRecord.month)


class DuesReminder(db.Model):
    """Claims a talk reminder: one per member, stage (3 or 6 months) and unpaid streak."""

    __tablename__ = "dues_reminder"
    __table_args__ = (UniqueConstraint("person_id", "stage", "streak_start"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    stage: Mapped[int]
    streak_start: Mapped[str] = mapped_column(String(7))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class DuesNote(db.Model):
    """The branch's record of a talk: a good reason, or its decision. Never a status."""

    __tablename__ = "dues_note"
    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    kind: Mapped[str] = mapped_column(String(10))           # reason, decision
    text: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    recorded_by: Mapped[Person | None] = relationship(foreign_keys=[recorded_by_id])
