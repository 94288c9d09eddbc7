"""Tables of the star rating (评星定级): rubrics with items and thresholds, scored entries,
service hours, exemptions, the quarterly satisfaction evaluation (secret ballot), the
publication (公示) with its result snapshot, and objections.

The ballots themselves are the ballot service's (partyapp/ballots): sealed while a round is
open, counted and destroyed when it closes.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import clock
from ..extensions import db
from ..models import Organization, Person, UTCDateTime
from ..notices.models import Notice, NoticeObjection


class ItemKind:
    AUTO = "auto"            # computed from the records
    MANUAL = "manual"        # scored by the branch committee, entry by entry
    DEDUCTION = "deduction"  # red lines: points taken off, entry by entry
    LABELS = {AUTO: "自动计分", MANUAL: "支委会评分", DEDUCTION: "扣分项（红线）"}


class Source:
    """Where an automatic item's figure comes from."""

    ATTENDANCE = "attendance"        # 三会一课 + 主题党日 attendance rate
    COMMITMENTS = "commitments"      # commitments kept / due this year
    OPINIONS = "opinions"            # opinions answered on time (两委 members)
    SERVICE_HOURS = "service_hours"  # recorded volunteer service hours
    SATISFACTION = "satisfaction"    # quarterly satisfaction evaluation
    ALL = (ATTENDANCE, COMMITMENTS, OPINIONS, SERVICE_HOURS, SATISFACTION)


class Rubric(db.Model):
    """The scoring rules of one organisation for one year. The town's rubric is the default a
    branch copies (then adjusts)."""

    __tablename__ = "rating_rubric"
    __table_args__ = (UniqueConstraint("org_id", "year", name="uq_rating_rubric"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    year: Mapped[int]
    base_score: Mapped[int] = mapped_column(default=60)
    copied_from_id: Mapped[int | None] = mapped_column(ForeignKey("rating_rubric.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    org: Mapped[Organization] = relationship()
    items: Mapped[list[RubricItem]] = relationship(order_by="RubricItem.position",
                                                   back_populates="rubric")
    thresholds: Mapped[list[StarThreshold]] = relationship(order_by="StarThreshold.stars.desc()")


class RubricItem(db.Model):
    __tablename__ = "rating_item"
    id: Mapped[int] = mapped_column(primary_key=True)
    rubric_id: Mapped[int] = mapped_column(ForeignKey("rating_rubric.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(String(12))
    source: Mapped[str | None] = mapped_column(String(20))
    label: Mapped[str] = mapped_column(String(60))
    max_points: Mapped[int]
    # Service hours: points per hour (capped by max_points).
    points_per_unit: Mapped[float | None]

    rubric: Mapped[Rubric] = relationship(back_populates="items")

    @property
    def kind_label(self) -> str:
        return ItemKind.LABELS.get(self.kind, self.kind)


class StarThreshold(db.Model):
    """A score of at least `min_score` earns `stars` (1..5); below the lowest: 不合格."""

    __tablename__ = "rating_threshold"
    __table_args__ = (UniqueConstraint("rubric_id", "stars", name="uq_rating_threshold"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    rubric_id: Mapped[int] = mapped_column(ForeignKey("rating_rubric.id"))
    stars: Mapped[int]
    min_score: Mapped[int]


class Revocable:
    """Columns shared by rows that are revoked, never deleted."""

    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    revoke_reason: Mapped[str | None] = mapped_column(String(200))


class ScoreEntry(Revocable, db.Model):
    """A manual score or a deduction for one member, with its reason."""

    __tablename__ = "rating_entry"
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("rating_item.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    points: Mapped[int]          # always positive; a deduction item subtracts it
    reason: Mapped[str] = mapped_column(String(200))
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    item: Mapped[RubricItem] = relationship()
    person: Mapped[Person] = relationship(foreign_keys=[person_id])


class ServiceHours(Revocable, db.Model):
    """Volunteer service done by a member, entered by the secretary."""

    __tablename__ = "rating_service_hours"
    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    served_on: Mapped[date]
    hours: Mapped[float]
    description: Mapped[str] = mapped_column(String(200))
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    person: Mapped[Person] = relationship(foreign_keys=[person_id])


class Exemption(Revocable, db.Model):
    """A member excused from one item by a branch decision (old age, illness): full marks."""

    __tablename__ = "rating_exemption"
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("rating_item.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    decision_text: Mapped[str] = mapped_column(String(200))
    decided_on: Mapped[date]
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    item: Mapped[RubricItem] = relationship()
    person: Mapped[Person] = relationship(foreign_keys=[person_id])


class Grade:
    EXCELLENT = "excellent"
    GOOD = "good"
    FAIR = "fair"
    POOR = "poor"
    ORDER = (EXCELLENT, GOOD, FAIR, POOR)
    LABELS = {EXCELLENT: "优秀", GOOD: "合格", FAIR: "基本合格", POOR: "不合格"}
    # Share of the satisfaction item's points each grade is worth.
    VALUES = {EXCELLENT: 1.0, GOOD: 0.8, FAIR: 0.5, POOR: 0.0}


class EvaluationRound(db.Model):
    """党员满意度测评: one per branch and quarter."""

    __tablename__ = "rating_round"
    __table_args__ = (UniqueConstraint("branch_id", "year", "quarter", name="uq_rating_round"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    year: Mapped[int]
    quarter: Mapped[int]
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    branch: Mapped[Organization] = relationship()

    @property
    def label(self) -> str:
        return f"{self.year}年第{self.quarter}季度党员满意度测评"


# The 公示 of the star rating is a notice of the 公示 service (subject "stars").
Publication = Notice
Objection = NoticeObjection


class RoundOutcome(db.Model):
    """评定公布: a member's outcome of a satisfaction round as the branch committee confirmed
    it, published in a 公示 (subject "satisfaction-Q<n>")."""

    __tablename__ = "rating_outcome"
    __table_args__ = (UniqueConstraint("notice_id", "person_id", name="uq_rating_outcome"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rating_round.id"), index=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notice.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    grade: Mapped[str] = mapped_column(String(10))
    proposed: Mapped[str | None] = mapped_column(String(10))   # from the counts, for the record
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))

    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    notice: Mapped[Notice] = relationship()

    @property
    def label(self) -> str:
        return Grade.LABELS.get(self.grade, self.grade)


class PublishedResult(db.Model):
    """The snapshot of one member's result at publication."""

    __tablename__ = "rating_published_result"
    __table_args__ = (UniqueConstraint("publication_id", "person_id", name="uq_rating_result"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    publication_id: Mapped[int] = mapped_column(ForeignKey("notice.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    score: Mapped[float]
    stars: Mapped[int]           # 0: 不合格

    publication: Mapped[Notice] = relationship()
    person: Mapped[Person] = relationship()
