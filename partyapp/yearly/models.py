"""Tables of the town's yearly loop (镇党委年度工作): the 达标创优 assessment of each branch,
the 软弱涣散 整顿台账 with its monthly progress, the 挂点 links of town leaders with their
monthly 研判 notes, and the 书记后备 list."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import clock
from ..extensions import db
from ..models import Organization, Person, UTCDateTime


class AssessmentStatus:
    DRAFT = "draft"          # 评定中
    NOTICE = "notice"        # 公示中
    FINAL = "final"          # 已确定
    LABELS = {DRAFT: "评定中", NOTICE: "公示中", FINAL: "已确定"}


class Assessment(db.Model):
    """达标创优: one branch's yearly result. `auto_items` and `manual_items` are JSON lists of
    {key, label, ok, detail} frozen when the town saves the assessment."""

    __tablename__ = "yearly_assessment"
    __table_args__ = (UniqueConstraint("branch_id", "year", name="uq_yearly_assessment"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    town_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    year: Mapped[int]
    auto_items: Mapped[str] = mapped_column(Text)
    manual_items: Mapped[str] = mapped_column(Text)
    passed: Mapped[bool] = mapped_column(Boolean)
    excellent: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(10), default=AssessmentStatus.DRAFT)
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("notice.id"))
    assessed_by_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    assessed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    finalized_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    branch: Mapped[Organization] = relationship(foreign_keys=[branch_id])

    @property
    def outcome_label(self) -> str:
        if not self.passed:
            return "不达标"
        return "创优" if self.excellent else "达标"

    @property
    def status_label(self) -> str:
        return AssessmentStatus.LABELS.get(self.status, self.status)


class Consolidation(db.Model):
    """软弱涣散: one listing of a branch for 整顿 and its 台账. A closed (验收销号) listing is
    kept; a branch listed again gets a new row (动态台账)."""

    __tablename__ = "yearly_consolidation"
    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    problems: Mapped[str] = mapped_column(Text)
    measures: Mapped[str] = mapped_column(Text)
    leader_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))   # 包村/挂点 领导
    first_secretary: Mapped[str | None] = mapped_column(String(40))            # 第一书记
    due_on: Mapped[date]
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    listed_by_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    listed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    closing_evidence: Mapped[str | None] = mapped_column(Text)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    overdue_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    branch: Mapped[Organization] = relationship(foreign_keys=[branch_id])
    leader: Mapped[Person | None] = relationship(foreign_keys=[leader_id])

    def is_overdue(self, today: date) -> bool:
        return not self.closed and today > self.due_on


class ConsolidationProgress(db.Model):
    """整顿台账: what was done in one month (kept, never edited)."""

    __tablename__ = "yearly_consolidation_progress"
    id: Mapped[int] = mapped_column(primary_key=True)
    consolidation_id: Mapped[int] = mapped_column(ForeignKey("yearly_consolidation.id"),
                                                  index=True)
    month: Mapped[str] = mapped_column(String(7))       # "2026-11"
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    author: Mapped[Person] = relationship()


class PostLink(db.Model):
    """挂点: a town leader linked to a village (branch) they look after."""

    __tablename__ = "yearly_post_link"
    __table_args__ = (UniqueConstraint("person_id", "branch_id", name="uq_yearly_post_link"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    town_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)

    person: Mapped[Person] = relationship()
    branch: Mapped[Organization] = relationship(foreign_keys=[branch_id])


class Judgement(db.Model):
    """一月一研判: the town's note on one village for one month (one per month, kept)."""

    __tablename__ = "yearly_judgement"
    __table_args__ = (UniqueConstraint("branch_id", "month", name="uq_yearly_judgement"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    month: Mapped[str] = mapped_column(String(7))
    figures: Mapped[str] = mapped_column(Text)         # what the figures say
    actions: Mapped[str] = mapped_column(Text)         # what to do
    author_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    author: Mapped[Person] = relationship()


class ReserveStatus:
    RECOMMENDED = "recommended"   # 村推
    SELECTED = "selected"         # 镇选
    DROPPED = "dropped"           # 未选 / 退出
    LABELS = {RECOMMENDED: "村推荐", SELECTED: "镇已选定", DROPPED: "未选定"}


class Reserve(db.Model):
    """书记后备: a person a branch recommends; the town selects and keeps the list."""

    __tablename__ = "yearly_reserve"
    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    note: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default=ReserveStatus.RECOMMENDED)
    recommended_by_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    recommended_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    branch: Mapped[Organization] = relationship(foreign_keys=[branch_id])

    @property
    def status_label(self) -> str:
        return ReserveStatus.LABELS.get(self.status, self.status)
