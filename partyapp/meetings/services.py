"""The meetings feature's front door. Other features (and the feature's own views, jobs and
demo) use the rules through this module; the rules live in the rooms behind it, one per
section (docs/ARCHITECTURE.md):

- planning.py    kinds, who may be named, filing, publishing, cancelling, moving, the
                 day-before reminder, closing with minutes, photos, 补学, the member's lists;
- attendance.py  counts and attendee lists from the per-person rows (fixed number of queries);
- checkin.py     the rotating QR token, the window and the one check-in insert;
- door.py        personal check-in codes for door mode;
- leave.py       请假 asked and decided;
- exemptions.py  standing exemptions (长期免于参加);
- ledger.py      periods, 台账 and the Excel export;
- compliance.py  达标 under the configured frequencies and the monthly reminder;
- circles.py / handover.py  who is expected (应到) and moving lists when roles end.

Services commit: each function that changes rows commits its own work (views, jobs and the
CLI never call commit). Other features read attendance through `attendance_summary()` and
`branch_compliance()`, each a fixed number of queries.

This module itself holds only the hooks for 首页 and 我的.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload

from .. import clock
from ..authz import orgs_where
from ..extensions import db  # noqa: F401  (tests reach the session through here)
from ..models import Organization
# The rooms' rules, re-exported: this is the one front door.
from .attendance import (AttendeeRow, Counts, attendance_summary, attendee_rows,  # noqa: F401
                         attendee_rows_by_meeting, is_attendee, meeting_counts, store_counts)
from .checkin import (PENDING_SCAN_MINUTES, CheckInResult, check_in,  # noqa: F401
                      current_slot, make_token, reason_text, remember_pending_scan,
                      report_position, sweep_pending_scans, take_pending_scan, token_problem)
from .compliance import (Compliance, Missing, branch_compliance,  # noqa: F401
                         send_compliance_reminders)
from .door import CODE_PREFIX, active_code, codes_for, issue_code, person_for_code  # noqa: F401
from .exemptions import (approve_exemption, branch_exemptions, end_exemption,  # noqa: F401
                         exemption_problem)
from .leave import decide_leave, leave_text, request_leave  # noqa: F401
from .ledger import (LEDGER_HEADERS, HeldMeeting, PeriodRange, export_workbook,  # noqa: F401
                     filed_plans, flagged_check_ins, held_meeting_days, held_meetings, ledger,
                     month_range, mondays, months, parse_period, quarter_range)
from .models import (DEFAULT_KINDS, AttendeePart, Circle, CheckIn, LeaveRequest,  # noqa: F401
                     LeaveStatus, MakeUpStudy, Meeting, MeetingAttendee, MeetingKind,
                     MeetingPhoto, MeetingStatus, MemberCode)
from .planning import (MAKE_UP_DAYS, MeetingPlan, active_kinds, active_role_filter,  # noqa: F401
                       add_photo, all_kinds, amend_minutes, attendee_ids, branch_meetings,
                       branch_of, branch_party_members, branch_people, cancel_meeting,
                       close_meeting, close_problems, default_attendee_ids, ensure_default_kinds,
                       finish_make_up, kind_by_code, meeting_photos, move_meeting, move_problem,
                       my_history, my_make_ups, my_upcoming, my_year_counts, notice_text,
                       photo_meeting, photo_problem, plan_day_bounds, plan_day_problem,
                       plan_meeting, plan_problems, plannable_orgs, plannable_people,
                       publish_meeting, representative_kind_codes, send_day_before_reminders,
                       update_kind, when_text)


# ---- hooks for 首页 and 我的 -------------------------------------------------------------------
def todo_items(person) -> list:
    from ..main.services import TodoItem

    items = [TodoItem(f"参加会议：{m.topic}", f"/meetings/{m.id}", when_text(m), m.starts_at,
                      urgent=m.starts_at - clock.now() < timedelta(days=1))
             for m in _meetings_to_attend(person.id)]
    items += [TodoItem(f"补学：{s.meeting.topic}", "/meetings/", f"请在{s.due_on.month}月{s.due_on.day}日前完成",
                       clock.end_of_local_day(s.due_on), urgent=s.due_on <= clock.today())
              for s in my_make_ups(person.id)]
    items += [TodoItem(f"写会议记录：{m.topic}", f"/meetings/{m.id}/close", "会后请填写记录并归档",
                       m.ends_at) for m in _minutes_to_write(person.id)]
    items += [TodoItem(f"审批请假：{leave.person.name}", f"/meetings/{leave.meeting_id}",
                       leave.meeting.topic, leave.meeting.starts_at)
              for leave in _leaves_to_approve(person)]
    return items


def _meetings_to_attend(person_id: int) -> list[Meeting]:
    now = clock.now()
    return list(db.session.scalars(
        select(Meeting).join(MeetingAttendee, MeetingAttendee.meeting_id == Meeting.id)
        .outerjoin(CheckIn, and_(CheckIn.meeting_id == Meeting.id, CheckIn.person_id == person_id))
        .outerjoin(LeaveRequest, and_(LeaveRequest.meeting_id == Meeting.id,
                                      LeaveRequest.person_id == person_id,
                                      LeaveRequest.status == LeaveStatus.APPROVED))
        .where(MeetingAttendee.person_id == person_id, Meeting.status == MeetingStatus.PUBLISHED,
               Meeting.ends_at >= now, Meeting.starts_at < now + timedelta(days=7),
               CheckIn.id.is_(None), LeaveRequest.id.is_(None))
        .order_by(Meeting.starts_at)))


def _minutes_to_write(person_id: int) -> list[Meeting]:
    return list(db.session.scalars(select(Meeting).where(
        Meeting.recorder_id == person_id, Meeting.status == MeetingStatus.PUBLISHED,
        Meeting.ends_at < clock.now()).order_by(Meeting.ends_at)))


def _leaves_to_approve(person) -> list[LeaveRequest]:
    roots = orgs_where(person, "leave.approve")
    if not roots:
        return []
    return list(db.session.scalars(
        select(LeaveRequest).join(LeaveRequest.meeting).join(Meeting.branch)
        .where(LeaveRequest.status == LeaveStatus.PENDING,
               or_(*[Organization.path.startswith(root.path) for root in roots]))
        .options(selectinload(LeaveRequest.person), selectinload(LeaveRequest.meeting))))


def me_section(person):
    """我的: attendance this year and the personal check-in code (for door scanners)."""
    if not person.is_party_member and not person.is_villager_rep:
        return None
    code = active_code(person.id)
    return "meetings/_me_section.html", {"counts": my_year_counts(person.id), "code": code}
