"""Leave (请假): a member asks before the start, the branch's officers decide; a late decision
on a closed meeting recounts it."""
from __future__ import annotations

from sqlalchemy import select

from .. import audit, clock
from ..extensions import db
from ..models import Membership, Organization, Role
from ..notify.services import notify
from .attendance import store_counts
from .models import AttendeePart, LeaveRequest, LeaveStatus, Meeting, MeetingAttendee
from .planning import active_role_filter, when_text


# ---- leave -------------------------------------------------------------------------------------
def request_leave(person, meeting: Meeting, leave_type: str, reason: str) -> str | None:
    """A member asks for leave before the start. Returns a refusal in Chinese, or None."""
    if not meeting.is_open_for_changes:
        return "这次会议已取消或已结束，不能请假。"
    if clock.now() >= meeting.starts_at:
        return "会议已经开始，不能再请假。请直接联系书记说明情况。"
    row = db.session.get(MeetingAttendee, (meeting.id, person.id))
    if row is None:
        return "您不在本次会议的应到名单中，无需请假。"
    if row.part == AttendeePart.EXEMPT:
        return "您已经批准长期免于参加会议，这次不用请假。"
    existing = db.session.scalar(select(LeaveRequest).where(
        LeaveRequest.meeting_id == meeting.id, LeaveRequest.person_id == person.id))
    if existing is not None and existing.status in (LeaveStatus.PENDING, LeaveStatus.APPROVED):
        return "您已经请过假了。"
    if existing is None:
        existing = LeaveRequest(meeting_id=meeting.id, person_id=person.id)
        db.session.add(existing)
    existing.leave_type, existing.reason = leave_type, reason
    existing.status, existing.created_at = LeaveStatus.PENDING, clock.now()
    existing.decided_by_id = existing.decided_at = None
    approvers = _leave_approver_ids(meeting.branch)
    notify(approvers, f"请假待审批：{person.name}", f"{meeting.topic}（{when_text(meeting)}）",
           f"/meetings/{meeting.id}", kind="meeting")
    audit.record(person, "leave.request", "meeting", meeting.id, org_id=meeting.branch_id,
                 leave_type=leave_type)
    db.session.commit()
    return None


def leave_text(leave: LeaveRequest, viewer, viewer_decides_leave: bool) -> str:
    """A leave reason (病假：住院) is for the member and those who decide leave; everyone else
    reads only 请假 and where it stands."""
    if viewer_decides_leave or getattr(viewer, "id", None) == leave.person_id:
        return f"{leave.type_label}：{leave.reason}（{leave.status_label}）"
    return f"请假（{leave.status_label}）"


def _leave_approver_ids(branch: Organization) -> list[int]:
    return list(db.session.scalars(select(Membership.person_id).where(
        Membership.org_id == branch.id, active_role_filter(),
        Membership.role.in_((Role.SECRETARY, Role.DEPUTY_SECRETARY, Role.ORGANIZER)))))


def decide_leave(actor, leave: LeaveRequest, approve: bool) -> None:
    leave.status = LeaveStatus.APPROVED if approve else LeaveStatus.REJECTED
    leave.decided_by_id, leave.decided_at = actor.id, clock.now()
    notify([leave.person_id], f"请假{'已批准' if approve else '未批准'}：{leave.meeting.topic}",
           "" if approve else "请按时参加会议。", f"/meetings/{leave.meeting_id}", kind="meeting")
    audit.record(actor, "leave.approve" if approve else "leave.reject", "leave_request",
                 leave.id, org_id=leave.meeting.branch_id)
    if leave.meeting.is_closed:     # a late decision changes the frozen 请假/缺席 figures
        store_counts([leave.meeting_id])
    db.session.commit()
