"""Tables of the 整改清单 service: an item (a problem found — 查摆问题 at a 组织生活会, a town
督导 finding, an item of the 整顿台账 — with who is responsible, by when and the measures) and
the evidence given for it. An item is 销号 (closed) only with evidence and the confirmation of a
second person with the right; the clock reminds once before and once after the deadline."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import clock
from ..extensions import db
from ..models import Organization, Person, UTCDateTime


class Source:
    """Where an item comes from; the feature that raises it passes one of these."""

    ORG_LIFE = "org_life"          # 组织生活会 查摆问题
    LEADERSHIP_LIFE = "leadership_life"   # 民主生活会 (town leadership)
    SUPERVISION = "supervision"    # 镇党委督导整改
    CONSOLIDATION = "consolidation"   # 软弱涣散党组织整顿台账
    OTHER = "other"
    LABELS = {ORG_LIFE: "组织生活会查摆问题", LEADERSHIP_LIFE: "民主生活会查摆问题",
              SUPERVISION: "镇党委督导整改", CONSOLIDATION: "整顿台账", OTHER: "其他整改"}


class Status:
    OPEN = "open"            # 整改中
    CLOSED = "closed"        # 已销号
    LABELS = {OPEN: "整改中", CLOSED: "已销号"}


class RectificationItem(db.Model):
    """One line of a 整改清单. `org` is whose list it is; `confirm_org` is where the people who
    may 销号 hold their right (the branch itself for its own 查摆问题, the town for 督导整改)."""

    __tablename__ = "rectification_item"
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    confirm_org_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    source: Mapped[str] = mapped_column(String(20))
    source_ref: Mapped[int | None]        # e.g. the meeting whose 查摆问题 it is
    year: Mapped[int]
    problem: Mapped[str] = mapped_column(Text)
    measures: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    due_on: Mapped[date]
    status: Mapped[str] = mapped_column(String(12), default=Status.OPEN)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closing_note: Mapped[str | None] = mapped_column(Text)
    due_soon_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    overdue_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    org: Mapped[Organization] = relationship(foreign_keys=[org_id])
    confirm_org: Mapped[Organization] = relationship(foreign_keys=[confirm_org_id])
    owner: Mapped[Person] = relationship(foreign_keys=[owner_id])
    closed_by: Mapped[Person | None] = relationship(foreign_keys=[closed_by_id])

    @property
    def is_closed(self) -> bool:
        return self.status == Status.CLOSED

    def is_overdue(self, today: date) -> bool:
        return not self.is_closed and today > self.due_on

    @property
    def status_label(self) -> str:
        return Status.LABELS.get(self.status, self.status)

    @property
    def source_label(self) -> str:
        return Source.LABELS.get(self.source, self.source)


Index("ix_rectification_due", RectificationItem.status, RectificationItem.due_on)


class RectificationEvidence(db.Model):
    """What shows the item was put right: a text, and optionally a photo (cleaned by
    partyapp.photos, stored under UPLOAD_FOLDER/rectification/)."""

    __tablename__ = "rectification_evidence"
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("rectification_item.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    photo: Mapped[str | None] = mapped_column(String(40), unique=True)
    added_by_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    item: Mapped[RectificationItem] = relationship()
    added_by: Mapped[Person] = relationship()
