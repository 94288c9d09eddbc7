"""Tables of the opinion box (意见箱): opinions, their photos, and the daily-digest claims."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import clock
from ..extensions import db
from ..models import Organization, Person, UTCDateTime

CATEGORIES = ("村务", "财务", "环境卫生", "治安", "民生服务", "党员干部作风", "其他")


class Channel:
    WEB = "web"
    PAPER = "paper"
    HOTLINE = "hotline"
    VISIT = "visit"
    LABELS = {WEB: "网上提交", PAPER: "意见箱纸条", HOTLINE: "热线电话", VISIT: "走访"}
    STAFF = (PAPER, HOTLINE, VISIT)


class Status:
    OPEN = "open"              # waiting for a (first or second) reply
    REPLIED = "replied"        # replied, the villager may rate it
    CLOSED = "closed"          # rated 满意/基本满意, or no second chance left
    ESCALATED = "escalated"    # second 不满意: the town takes it over
    LABELS = {OPEN: "待答复", REPLIED: "已答复", CLOSED: "已办结", ESCALATED: "已上报镇党委"}


class Rating:
    GOOD = "good"
    FAIR = "fair"
    BAD = "bad"
    LABELS = {GOOD: "满意", FAIR: "基本满意", BAD: "不满意"}


class Opinion(db.Model):
    __tablename__ = "opinion"
    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    reference: Mapped[str] = mapped_column(String(12), unique=True)
    tracking_hash: Mapped[str] = mapped_column(String(64), unique=True)
    category: Mapped[str] = mapped_column(String(20))
    content: Mapped[str] = mapped_column(Text)
    content_key: Mapped[str] = mapped_column(String(64), index=True)  # normalised content hash
    submitter_name: Mapped[str | None] = mapped_column(String(40))    # never public
    submitter_phone: Mapped[str | None] = mapped_column(String(20))   # never public
    public_allowed: Mapped[bool] = mapped_column(default=False)
    channel: Mapped[str] = mapped_column(String(10), default=Channel.WEB)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    status: Mapped[str] = mapped_column(String(12), default=Status.OPEN)
    round: Mapped[int] = mapped_column(default=1)             # 2 after a 不满意 reopened it
    first_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)     # current round's deadline
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))

    reply_text: Mapped[str | None] = mapped_column(Text)
    reply_public: Mapped[bool] = mapped_column(default=True)
    reply_summary: Mapped[str | None] = mapped_column(String(200))
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Working days from the local day of receipt to that of the first reply, kept with the
    # reply (and recomputed when a year's holidays are entered) so the median reply time of
    # thousands of opinions is one grouped count.
    first_reply_days: Mapped[int | None] = mapped_column()
    replied_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    rating: Mapped[str | None] = mapped_column(String(8))
    first_rating: Mapped[str | None] = mapped_column(String(8))
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reopened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # Claimed by the scheduler sweep, each exactly once per round.
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    branch: Mapped[Organization] = relationship()
    assignee: Mapped[Person | None] = relationship(foreign_keys=[assignee_id])
    photos: Mapped[list[OpinionPhoto]] = relationship(back_populates="opinion",
                                                      order_by="OpinionPhoto.id")

    @property
    def status_label(self) -> str:
        return Status.LABELS.get(self.status, self.status)

    @property
    def channel_label(self) -> str:
        return Channel.LABELS.get(self.channel, self.channel)

    @property
    def rating_label(self) -> str:
        return Rating.LABELS.get(self.rating or "", "")


Index("ix_opinion_sweep", Opinion.status, Opinion.due_at)
# A branch's opinions by receipt, carrying every column the reply figures count, so the town
# dashboard and the public figures read the index alone (no row lookups).
Index("ix_opinion_branch_figures", Opinion.branch_id, Opinion.received_at,
      Opinion.first_replied_at, Opinion.first_due_at, Opinion.first_reply_days,
      Opinion.escalated_at, Opinion.first_rating)
# Covers the daily digest's per-branch counts of open opinions.
Index("ix_opinion_open_branch", Opinion.status, Opinion.branch_id, Opinion.due_at)
# An assignee's opinions by first deadline, with the first reply: the star rating's "answered
# on time" figure for the 两委 members reads the index alone.
Index("ix_opinion_assignee_due", Opinion.assignee_id, Opinion.first_due_at,
      Opinion.first_replied_at)


class OpinionPhoto(db.Model):
    """A photo re-encoded without its metadata, stored under UPLOAD_FOLDER/opinions/."""

    __tablename__ = "opinion_photo"
    id: Mapped[int] = mapped_column(primary_key=True)
    opinion_id: Mapped[int] = mapped_column(ForeignKey("opinion.id"), index=True)
    filename: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    opinion: Mapped[Opinion] = relationship(back_populates="photos")


class OpinionDigest(db.Model):
    """One row per branch and local day: the daily digest was claimed (sent once)."""

    __tablename__ = "opinion_digest"
    branch_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
# The town dashboard's escalated opinions (few rows among many: no table scan).
Index("ix_opinion_escalated", Opinion.escalated_at)


class ReplacedLink(db.Model):
    """A tracking link replaced by 找回: the old link answers 410 链接已更换 with the way on,
    not a 404. Only the hash of the old secret is kept, as for the live one."""

    __tablename__ = "opinion_replaced_link"
    tracking_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    opinion_id: Mapped[int] = mapped_column(ForeignKey("opinion.id"), index=True)
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
