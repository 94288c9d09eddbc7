"""Meetings (三会一课, 主题党日, joint meetings): kinds with their required frequency, planned
meetings, the expected list (应到), check-ins (实到), leave (请假), make-up study (补学),
personal check-in codes and the once-per-period compliance reminders.

Other features read attendance from these tables through services.attendance_summary() and
services.branch_compliance().
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Float, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import clock
from ..extensions import db
from ..models import Organization, Person, UTCDateTime


class Period:
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    LABELS = {WEEK: "每周", MONTH: "每月", QUARTER: "每季度", None: "不定期"}


class Circle:
    """Who a kind of meeting expects (应到). The rule of each circle is in circles.py; a kind
    names its circle in its row, so the town changes it with the kind's other settings."""

    MEMBERS = "members"                # all party members of the branch (or group)
    COMMITTEE = "committee"            # the branch committee
    GROUP = "group"                    # the party group's members
    TWO_COMMITTEES = "two_committees"  # both committees and the collective-economy leaders
    MEMBERS_REPS = "members_reps"      # all members and the representatives
    VILLAGER_REPS = "villager_reps"    # the villager representatives only
    LABELS = {MEMBERS: "本支部全体党员（正式、预备）", COMMITTEE: "支部委员会成员",
              GROUP: "本党小组党员", TWO_COMMITTEES: "村“两委”成员和集体经济组织班子成员",
              MEMBERS_REPS: "全体党员和各类代表（村民、股东、异地务工人员代表）",
              VILLAGER_REPS: "村民代表"}
    WITH_REPRESENTATIVES = (MEMBERS_REPS, VILLAGER_REPS)


class MeetingKind(db.Model):
    """A kind of meeting, how often a branch must hold it and whom it expects (rows, editable
    by the town)."""

    __tablename__ = "meeting_kind"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True)
    name: Mapped[str] = mapped_column(String(40))
    period: Mapped[str | None] = mapped_column(String(10))
    min_per_period: Mapped[int] = mapped_column(default=0)
    per_group: Mapped[bool] = mapped_column(default=False)        # due once per party group
    includes_villager_reps: Mapped[bool] = mapped_column(default=False)
    circle: Mapped[str] = mapped_column(String(20), default=Circle.MEMBERS)   # Circle
    sort_order: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)

    @property
    def frequency_label(self) -> str:
        label = Period.LABELS.get(self.period, "不定期")
        if self.period and self.min_per_period > 1:
            label += f"至少{self.min_per_period}次"
        return label + ("（每个党小组）" if self.per_group else "")

    @property
    def circle_label(self) -> str:
        return Circle.LABELS.get(self.circle, self.circle)


# (code, name, period, min per period, per group, includes villager reps, circle)
DEFAULT_KINDS = [
    ("branch_assembly", "支部党员大会", Period.QUARTER, 1, False, False, Circle.MEMBERS),
    ("branch_committee", "支部委员会", Period.MONTH, 1, False, False, Circle.COMMITTEE),
    ("group_meeting", "党小组会", Period.MONTH, 1, True, False, Circle.GROUP),
    ("party_lecture", "党课", Period.QUARTER, 1, False, False, Circle.MEMBERS),
    ("theme_day", "主题党日", Period.MONTH, 1, False, False, Circle.MEMBERS),
    ("joint_leadership", "班子联席会议", Period.WEEK, 1, False, False, Circle.TWO_COMMITTEES),
    ("party_mass_joint", "党群联席会议", Period.QUARTER, 1, False, True, Circle.MEMBERS_REPS),
    ("villager_reps", "村民代表会议", None, 0, False, True, Circle.VILLAGER_REPS),
]


meeting_kind_link = Table(
    "meeting_kind_link", db.metadata,
    Column("meeting_id", ForeignKey("meeting.id", ondelete="CASCADE"), primary_key=True),
    Column("kind_id", ForeignKey("meeting_kind.id"), primary_key=True),
)


class MeetingStatus:
    PLANNED = "planned"      # filed (计划报备), not yet published
    PUBLISHED = "published"  # attendees notified
    CANCELLED = "cancelled"
    CLOSED = "closed"        # held, minutes written, record locked
    LABELS = {PLANNED: "计划中", PUBLISHED: "已通知", CANCELLED: "已取消", CLOSED: "已召开"}


class Meeting(db.Model):
    __tablename__ = "meeting"
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)  # branch/group
    branch_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    topic: Mapped[str] = mapped_column(String(120))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(String(120), default="")
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    host_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    recorder_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    planned_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    status: Mapped[str] = mapped_column(String(12), default=MeetingStatus.PLANNED)
    checkin_opens_minutes: Mapped[int] = mapped_column(default=30)   # before the start
    late_after_minutes: Mapped[int] = mapped_column(default=10)      # after the start
    minutes: Mapped[str] = mapped_column(Text, default="")           # 会议记录
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # day-before reminder
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)   # filed on
    # 补记: entered after it took place (its filing date is created_at).
    backfilled: Mapped[bool] = mapped_column(default=False)
    # 应到 / 实到 / 迟到 / 请假, frozen when the record is closed (services.store_counts) so
    # figures over years of meetings add up rows instead of joining every attendee.
    expected_count: Mapped[int | None] = mapped_column()
    present_count: Mapped[int | None] = mapped_column()
    late_count: Mapped[int | None] = mapped_column()
    leave_count: Mapped[int | None] = mapped_column()

    org: Mapped[Organization] = relationship(foreign_keys=[org_id])
    branch: Mapped[Organization] = relationship(foreign_keys=[branch_id])
    host: Mapped[Person | None] = relationship(foreign_keys=[host_id])
    recorder: Mapped[Person | None] = relationship(foreign_keys=[recorder_id])
    kinds: Mapped[list[MeetingKind]] = relationship(secondary=meeting_kind_link,
                                                    order_by=MeetingKind.sort_order)

    @property
    def status_label(self) -> str:
        return MeetingStatus.LABELS.get(self.status, self.status)

    @property
    def kind_names(self) -> str:
        return "、".join(kind.name for kind in self.kinds)

    @property
    def is_closed(self) -> bool:
        return self.status == MeetingStatus.CLOSED

    @property
    def is_open_for_changes(self) -> bool:
        return self.status in (MeetingStatus.PLANNED, MeetingStatus.PUBLISHED)

    @property
    def backfill_label(self) -> str:
        """"补记（12月3日补录）" for a meeting entered after it took place, else ""."""
        if not self.backfilled:
            return ""
        filed = clock.to_local(self.created_at)
        return f"补记（{filed.year}年{filed.month}月{filed.day}日补录）"


class AttendeePart:
    """How a person on a meeting's list takes part. Only EXPECTED people count in 应到 and can
    be 缺席 (and owe 补学)."""

    EXPECTED = "expected"   # in the kind's circle: 应到
    OBSERVER = "observer"   # 列席: invited (the recorder of a committee meeting, a guest)
    EXEMPT = "exempt"       # in the circle, but under a standing exemption for the day
    LABELS = {EXPECTED: "应到", OBSERVER: "列席", EXEMPT: "免于参加"}


class MeetingAttendee(db.Model):
    """The meeting's list: 应到 people, 列席 people and exempted people, fixed when the meeting
    is planned (exemptions approved later re-mark the rows)."""

    __tablename__ = "meeting_attendee"
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"),
                                            primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), primary_key=True)
    part: Mapped[str] = mapped_column(String(10), default=AttendeePart.EXPECTED)

    person: Mapped[Person] = relationship()


# A person's meetings, carrying the meeting id: attendance per person (the star rating, the
# member pages) reads this index alone instead of a row per meeting ever planned for them.
Index("ix_meeting_attendee_person_meeting", MeetingAttendee.person_id, MeetingAttendee.meeting_id)


class CheckInMethod:
    QR = "qr"
    MANUAL = "manual"
    DOOR_CODE = "door_code"
    LABELS = {QR: "扫码", MANUAL: "手工登记", DOOR_CODE: "个人码"}


class CheckIn(db.Model):
    """One person present at one meeting (实到). The unique pair makes a second scan harmless."""

    __tablename__ = "check_in"
    __table_args__ = (UniqueConstraint("meeting_id", "person_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    method: Mapped[str] = mapped_column(String(12), default=CheckInMethod.QR)
    late: Mapped[bool] = mapped_column(default=False)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    client_id: Mapped[str | None] = mapped_column(String(64))   # the phone's cookie id
    distance_m: Mapped[int | None]                               # from the venue, if reported
    flag_far: Mapped[bool] = mapped_column(default=False)
    flag_shared_device: Mapped[bool] = mapped_column(default=False)

    person: Mapped[Person] = relationship(foreign_keys=[person_id])

    @property
    def method_label(self) -> str:
        return CheckInMethod.LABELS.get(self.method, self.method)


Index("ix_check_in_meeting_client", CheckIn.meeting_id, CheckIn.client_id)


class LeaveType:
    OFFICIAL = "official"
    PERSONAL = "personal"
    SICK = "sick"
    LABELS = {OFFICIAL: "公假", PERSONAL: "事假", SICK: "病假"}


class LeaveStatus:
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"   # the member came after all
    LABELS = {PENDING: "待审批", APPROVED: "已批准", REJECTED: "未批准", WITHDRAWN: "已到会（撤销）"}


class LeaveRequest(db.Model):
    __tablename__ = "leave_request"
    __table_args__ = (UniqueConstraint("meeting_id", "person_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    leave_type: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10), default=LeaveStatus.PENDING)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    meeting: Mapped[Meeting] = relationship()

    @property
    def type_label(self) -> str:
        return LeaveType.LABELS.get(self.leave_type, self.leave_type)

    @property
    def status_label(self) -> str:
        return LeaveStatus.LABELS.get(self.status, self.status)


class MakeUpStudy(db.Model):
    """补学: an absent member studies the meeting's content afterwards."""

    __tablename__ = "make_up_study"
    __table_args__ = (UniqueConstraint("meeting_id", "person_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    due_on: Mapped[date]
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    meeting: Mapped[Meeting] = relationship()


class AttendanceExemption(db.Model):
    """A standing exemption from attendance for a period (卧床的老党员, a 流动党员 far away),
    approved by the branch secretary. Meetings in the period list the person as exempt: not
    应到, never 缺席, no 补学. Ending it early keeps the row (ends_on moves, audited)."""

    __tablename__ = "attendance_exemption"
    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    reason: Mapped[str] = mapped_column(String(200))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    approved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    ended_early_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    approved_by: Mapped[Person | None] = relationship(foreign_keys=[approved_by_id])

    def covers(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on


class MeetingPhoto(db.Model):
    """A photo of a meeting (会议照片, optional in the 台账), cleaned by partyapp.photos."""

    __tablename__ = "meeting_photo"
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"),
                                            index=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class MemberCode(db.Model):
    """A member's personal check-in code (printed card) for the organiser's door scanner.
    Revoking keeps the row; reissuing makes a new one."""

    __tablename__ = "member_code"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person: Mapped[Person] = relationship()


class ComplianceReminder(db.Model):
    """Claims the monthly reminder: one row per branch, kind and period (the unique key)."""

    __tablename__ = "compliance_reminder"
    __table_args__ = (UniqueConstraint("org_id", "kind_id", "period_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    kind_id: Mapped[int] = mapped_column(ForeignKey("meeting_kind.id"))
    period_key: Mapped[str] = mapped_column(String(12))   # 2026-11, 2026-Q4, 2026-W48
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class PendingScan(db.Model):
    """A scan made by a logged-out phone, waiting for its log-in. Bound to that browser by a
    random cookie (only its hash is stored) and consumed once (a conditional UPDATE)."""

    __tablename__ = "pending_scan"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"),
                                            index=True)
    scanned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
