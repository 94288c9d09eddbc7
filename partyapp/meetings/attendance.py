"""Who came: counts (应到, 实到, 迟到, 请假, 缺席) and attendee lists from the per-person rows
(MeetingAttendee, CheckIn, LeaveRequest), each a fixed number of queries, and the counts
frozen on closed meetings."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, case, func, select, update

from .. import clock
from ..extensions import db
from ..models import Person
from .models import AttendeePart, CheckIn, LeaveRequest, LeaveStatus, Meeting, MeetingAttendee, \
    MeetingStatus


# ---- counts from per-person rows ------------------------------------------------------------
@dataclass
class Counts:
    expected: int = 0   # 应到
    present: int = 0    # 实到
    on_leave: int = 0   # 请假
    absent: int = 0     # 缺席
    late: int = 0       # 迟到
    exempt: int = 0     # 免于参加 (standing exemption; not in 应到)
    observers: int = 0  # 列席 (not in 应到)

    @property
    def rate(self) -> float:
        return self.present / self.expected if self.expected else 0.0


def meeting_counts(meeting_ids) -> dict[int, Counts]:
    """Counts per meeting in ONE grouped query."""
    ids = list(meeting_ids)
    counts = {mid: Counts() for mid in ids}
    if not ids:
        return counts
    rows = db.session.execute(_counts_query(MeetingAttendee.meeting_id)
                              .where(MeetingAttendee.meeting_id.in_(ids))
                              .group_by(MeetingAttendee.meeting_id))
    for key, *figures in rows:
        counts[key] = _counts(*figures)
    return counts


def _counts(expected, present, late, on_leave, exempt, observers) -> Counts:
    expected, present, on_leave = expected or 0, present or 0, on_leave or 0
    return Counts(expected, present, on_leave, expected - present - on_leave, late or 0,
                  exempt or 0, observers or 0)

def store_counts(meeting_ids) -> dict[int, Counts]:
    """Freeze the counts on closed meetings (Meeting.expected_count ...): one counting query
    and one executemany. Called when a record is closed or changes after closing, and by the
    bulk loaders (demo, seed-scale)."""
    counts = meeting_counts(meeting_ids)
    if counts:
        db.session.execute(update(Meeting), [
            {"id": mid, "expected_count": c.expected, "present_count": c.present,
             "late_count": c.late, "leave_count": c.on_leave} for mid, c in counts.items()])
    return counts


def _counts_query(key_column):
    """应到, 实到, 迟到, 请假 count only the EXPECTED part of a list; exempted and 列席 people
    are counted beside them."""
    expected = MeetingAttendee.part == AttendeePart.EXPECTED
    came = and_(expected, CheckIn.id.is_not(None))
    approved_leave = and_(expected, LeaveRequest.status == LeaveStatus.APPROVED,
                          CheckIn.id.is_(None))

    def number(condition):
        return func.sum(case((condition, 1), else_=0))

    return (select(key_column, number(expected), number(came), number(and_(came, CheckIn.late)),
                   number(approved_leave), number(MeetingAttendee.part == AttendeePart.EXEMPT),
                   number(MeetingAttendee.part == AttendeePart.OBSERVER))
            .select_from(MeetingAttendee)
            .outerjoin(CheckIn, and_(CheckIn.meeting_id == MeetingAttendee.meeting_id,
                                     CheckIn.person_id == MeetingAttendee.person_id))
            .outerjoin(LeaveRequest, and_(LeaveRequest.meeting_id == MeetingAttendee.meeting_id,
                                          LeaveRequest.person_id == MeetingAttendee.person_id)))


def attendance_summary(person_ids, start: date, end: date) -> dict[int, Counts]:
    """Per person: closed meetings between two local dates (inclusive) — ONE query.
    For the star rating and the town dashboard. Meetings a person was exempted from or sat in
    on (列席) are not in their 应到 (Counts.exempt says how many were exempted)."""
    ids = list(person_ids)
    summary = {pid: Counts() for pid in ids}
    if not ids:
        return summary
    rows = db.session.execute(
        _counts_query(MeetingAttendee.person_id)
        .join(Meeting, Meeting.id == MeetingAttendee.meeting_id)
        .where(MeetingAttendee.person_id.in_(ids), Meeting.status == MeetingStatus.CLOSED,
               Meeting.starts_at >= clock.local_datetime(start),
               Meeting.starts_at < clock.local_datetime(end + timedelta(days=1)))
        .group_by(MeetingAttendee.person_id))
    for key, *figures in rows:
        summary[key] = _counts(*figures)
    return summary


@dataclass
class AttendeeRow:
    person: Person
    check_in: CheckIn | None
    leave: LeaveRequest | None
    part: str = AttendeePart.EXPECTED

    @property
    def is_expected(self) -> bool:
        return self.part == AttendeePart.EXPECTED

    @property
    def status(self) -> str:
        if self.check_in is not None:
            came = "迟到" if self.check_in.late else "已到"
            if self.part == AttendeePart.EXEMPT:
                return f"{came}（免于参加）"
            return came if self.is_expected else f"列席·{came}"
        if self.part == AttendeePart.OBSERVER:
            return "列席"
        if self.part == AttendeePart.EXEMPT:
            return "免于参加"
        if self.leave is not None and self.leave.status == LeaveStatus.APPROVED:
            return "请假"
        return "未到"

    @property
    def is_absent(self) -> bool:
        """缺席: only someone the meeting expected (not 列席, not exempted)."""
        return self.status == "未到"


def attendee_rows(meeting_id: int) -> list[AttendeeRow]:
    """The expected list with each person's check-in and leave (one query)."""
    return attendee_rows_by_meeting([meeting_id]).get(meeting_id, [])


def attendee_rows_by_meeting(meeting_ids) -> dict[int, list[AttendeeRow]]:
    """Expected lists of many meetings (the ledger's print view, the export) in ONE query."""
    ids = list(meeting_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(MeetingAttendee.meeting_id, MeetingAttendee.part, Person, CheckIn, LeaveRequest)
        .join(Person, Person.id == MeetingAttendee.person_id)
        .outerjoin(CheckIn, and_(CheckIn.meeting_id == MeetingAttendee.meeting_id,
                                 CheckIn.person_id == MeetingAttendee.person_id))
        .outerjoin(LeaveRequest, and_(LeaveRequest.meeting_id == MeetingAttendee.meeting_id,
                                      LeaveRequest.person_id == MeetingAttendee.person_id))
        .where(MeetingAttendee.meeting_id.in_(ids))
        .order_by(MeetingAttendee.meeting_id, Person.name_pinyin))
    found: dict[int, list[AttendeeRow]] = {}
    for meeting_id, part, person, check_in, leave in rows:
        found.setdefault(meeting_id, []).append(AttendeeRow(person, check_in, leave, part))
    return found


def is_attendee(meeting_id: int, person_id: int) -> bool:
    return db.session.get(MeetingAttendee, (meeting_id, person_id)) is not None
