"""Standing exemptions from attendance (长期免于参加组织生活): a bedridden elderly member, a
流动党员 working far away. The secretary approves one for a period (audited); every meeting of
the branch in the period lists the person as exempted — not 应到, never 缺席, no 补学 — and the
star rating leaves those meetings out (the rubric's exemption rule).

Approving re-marks the meetings already planned in the period (held ones too: their open 补学
for the person goes, their frozen counts are counted again). Ending one early keeps the row
and puts the person back on the lists of the meetings still to come.
"""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import delete, select, update

from .. import audit, clock
from ..extensions import db
from ..models import Organization, Person
from ..notify.services import notify
from .attendance import store_counts
from .models import (AttendanceExemption, AttendeePart, MakeUpStudy, Meeting, MeetingAttendee,
                     MeetingStatus)

MIN_REASON = 2


def branch_exemptions(branch: Organization) -> list[AttendanceExemption]:
    return list(db.session.scalars(
        select(AttendanceExemption).where(AttendanceExemption.branch_id == branch.id)
        .options(db.joinedload(AttendanceExemption.person),
                 db.joinedload(AttendanceExemption.approved_by))
        .order_by(AttendanceExemption.ends_on.desc(), AttendanceExemption.id.desc())))


def exemption_problem(branch: Organization, person_id: int | None, starts_on: date | None,
                      ends_on: date | None, reason: str, member_ids: set[int]) -> str | None:
    """Why this exemption cannot be approved (Chinese), or None. member_ids: the branch's
    party members (the only people an exemption is for)."""
    today = clock.today()
    first, last = date(today.year - 1, 1, 1), date(today.year + 1, 12, 31)
    if person_id not in member_ids:
        return "请选择本支部的党员。"
    if starts_on is None or ends_on is None:
        return "请填写开始和结束日期。"
    if not (first <= starts_on <= last) or not (first <= ends_on <= last):
        return (f"日期要在{first.year}年1月1日至{last.year}年12月31日之间"
                "（期满后可以再次批准）。")
    if ends_on < starts_on:
        return "结束日期不能早于开始日期。"
    if len((reason or "").strip()) < MIN_REASON:
        return "请写明免于参加的原因（如：长期卧床、在外地务工）。"
    if len(reason.strip()) > 200:
        return "原因最多200个字。"
    overlapping = db.session.scalar(select(AttendanceExemption.id).where(
        AttendanceExemption.person_id == person_id, AttendanceExemption.starts_on <= ends_on,
        AttendanceExemption.ends_on >= starts_on))
    if overlapping is not None:
        return "这位党员在这段时间已经批准过免于参加，请先提前结束原来的批准。"
    return None


def _meetings_between(branch_id: int, first: date, last: date):
    """Meetings of the branch (and its groups) whose local day is in [first, last]."""
    return select(Meeting.id).where(
        Meeting.branch_id == branch_id, Meeting.status != MeetingStatus.CANCELLED,
        Meeting.starts_at >= clock.local_datetime(first),
        Meeting.starts_at < clock.local_datetime(last + timedelta(days=1)))


def approve_exemption(actor, branch: Organization, person: Person, starts_on: date,
                      ends_on: date, reason: str) -> AttendanceExemption:
    """A standing exemption (checked by exemption_problem first); held meetings it reaches are
    counted again. Commits."""
    row, closed = _file_exemption(actor, branch, person, starts_on, ends_on, reason)
    store_counts(closed)
    db.session.commit()
    return row


def _file_exemption(actor, branch: Organization, person: Person, starts_on: date,
                    ends_on: date, reason: str) -> tuple[AttendanceExemption, list[int]]:
    """The row, the meetings it marks, and the closed ones whose frozen counts change."""
    row = AttendanceExemption(branch_id=branch.id, person_id=person.id, starts_on=starts_on,
                              ends_on=ends_on, reason=reason.strip(), approved_by_id=actor.id,
                              approved_at=clock.now())
    db.session.add(row)
    db.session.flush()
    meetings = _meetings_between(branch.id, starts_on, ends_on)
    closed: list[int] = []
    marked = db.session.execute(
        update(MeetingAttendee).where(MeetingAttendee.person_id == person.id,
                                      MeetingAttendee.part == AttendeePart.EXPECTED,
                                      MeetingAttendee.meeting_id.in_(meetings))
        .values(part=AttendeePart.EXEMPT).returning(MeetingAttendee.meeting_id)
        .execution_options(synchronize_session=False)).scalars().all()
    if marked:
        db.session.execute(delete(MakeUpStudy).where(
            MakeUpStudy.person_id == person.id, MakeUpStudy.meeting_id.in_(marked),
            MakeUpStudy.done_at.is_(None)))
        closed = list(db.session.scalars(select(Meeting.id).where(
            Meeting.id.in_(marked), Meeting.status == MeetingStatus.CLOSED)))
    audit.record(actor, "exemption.approve", "attendance_exemption", row.id, org_id=branch.id,
                 person=person.id, starts_on=starts_on.isoformat(),
                 ends_on=ends_on.isoformat(), reason=row.reason, meetings=sorted(marked))
    notify([person.id], "已批准您免于参加组织生活",
           f"{starts_on.isoformat()} 至 {ends_on.isoformat()}，这段时间的会议不计缺席，也不用补学。",
           "/meetings/", kind="meeting")
    return row, closed


def end_exemption(actor, row: AttendanceExemption) -> None:
    """End it early (the member can come again): from today on the person is expected again
    at the meetings still to come; meetings already held keep their record. Commits."""
    today = clock.today()
    before = row.ends_on
    row.ends_on = max(row.starts_on - timedelta(days=1), today - timedelta(days=1))
    row.ended_early_at = clock.now()
    still_to_come = select(Meeting.id).where(
        Meeting.branch_id == row.branch_id, Meeting.status.in_(
            (MeetingStatus.PLANNED, MeetingStatus.PUBLISHED)),
        Meeting.starts_at >= clock.local_datetime(today))
    back = db.session.execute(
        update(MeetingAttendee).where(MeetingAttendee.person_id == row.person_id,
                                      MeetingAttendee.part == AttendeePart.EXEMPT,
                                      MeetingAttendee.meeting_id.in_(still_to_come))
        .values(part=AttendeePart.EXPECTED).returning(MeetingAttendee.meeting_id)
        .execution_options(synchronize_session=False)).scalars().all()
    audit.record(actor, "exemption.end", "attendance_exemption", row.id, org_id=row.branch_id,
                 person=row.person_id, ends_on_before=before.isoformat(),
                 ends_on=row.ends_on.isoformat(), meetings=sorted(back))
    db.session.commit()
