"""Tables of 民主评议党员 (004 §6, §20): one review per branch and year, held at the
组织生活会. The ballots are the ballot service's (partyapp/ballots, kind "member_review"):
sealed while the review is open, counted and destroyed when it closes. What stays here is the
review itself and, once the branch has confirmed them, each member's outcome as published
through the 公示 service (partyapp/notices)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import clock
from ..extensions import db
from ..models import Organization, Person, UTCDateTime


class ReviewGrade:
    """The four 民主评议 grades (the same codes as the star rating's satisfaction grades)."""

    EXCELLENT = "excellent"
    GOOD = "good"
    FAIR = "fair"
    POOR = "poor"
    ORDER = (EXCELLENT, GOOD, FAIR, POOR)
    LABELS = {EXCELLENT: "优秀", GOOD: "合格", FAIR: "基本合格", POOR: "不合格"}


class MemberReview(db.Model):
    __tablename__ = "orglife_review"
    __table_args__ = (UniqueConstraint("branch_id", "year", name="uq_orglife_review"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    year: Mapped[int]
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    branch: Mapped[Organization] = relationship()

    @property
    def label(self) -> str:
        return f"{self.year}年民主评议党员"


class ReviewOutcome(db.Model):
    """A member's grade as the branch confirmed it and the 公示 published it."""

    __tablename__ = "orglife_review_outcome"
    __table_args__ = (UniqueConstraint("notice_id", "person_id", name="uq_orglife_outcome"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("orglife_review.id"), index=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notice.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    grade: Mapped[str] = mapped_column(String(12))
    proposed: Mapped[str | None] = mapped_column(String(12))
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))

    person: Mapped[Person] = relationship(foreign_keys=[person_id])
