"""Rules of the meetings feature, as plain functions: planning and publishing, leave,
closing with minutes, counts from per-person rows, member views, personal codes, hooks.

Other features read attendance through `attendance_summary()` and `branch_compliance()`
(see ledger.py), each a fixed number of queries.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.orm import selectinload

from .. import audit, clock
from ..authz import can, orgs_where
from ..extensions import db
from ..models import Membership, Organization, OrgKind, Person, Role
from ..notify.services import notify, queue_for_branch_group
from . import circles, exemptions
# Standing exemptions live in their own section module; this is their front door.
from .exemptions import branch_exemptions, end_exemption, exemption_problem  # noqa: F401
from .models import (DEFAULT_KINDS, AttendeePart, Circle, CheckIn, LeaveRequest, LeaveStatus,
                     MakeUpStudy, Meeting, MeetingAttendee, MeetingKind, MeetingPhoto,
                     MeetingStatus, MemberCode)

MAKE_UP_DAYS = 7


# ---- kinds -----------------------------------------------------------------------------------
def ensure_default_kinds() -> None:
    """The migration seeds the kinds; a database made by create_all() gets them here."""
    if db.session.scalar(select(func.count(MeetingKind.id))):
        return
    for index, (code, name, period, minimum, per_group, reps, circle) in enumerate(DEFAULT_KINDS):
        db.session.add(MeetingKind(code=code, name=name, period=period, min_per_period=minimum,
                                   per_group=per_group, includes_villager_reps=reps,
                                   circle=circle, sort_order=index))
    db.session.flush()


def active_kinds() -> list[MeetingKind]:
    ensure_default_kinds()
    return list(db.session.scalars(select(MeetingKind).where(MeetingKind.active)
                                   .order_by(MeetingKind.sort_order)))


def representative_kind_codes() -> set[str]:
    """Kinds whose circle includes representatives (for the decisions' steps)."""
    ensure_default_kinds()
    return circles.representative_kind_codes()


def kind_by_code(code: str) -> MeetingKind:
    ensure_default_kinds()
    return db.session.scalar(select(MeetingKind).where(MeetingKind.code == code))


# ---- organisations and people ------------------------------------------------------------------
def branch_of(org: Organization) -> Organization:
    return org.parent if org.kind == OrgKind.GROUP and org.parent is not None else org


def active_role_filter():
    today = clock.today()
    return or_(Membership.ended_on.is_(None), Membership.ended_on > today)


def default_attendee_ids(org: Organization, kinds: list[MeetingKind],
                         day: date | None = None) -> list[int]:
    """The kinds' expected circle in the branch (or group): see circles.py."""
    return sorted(circles.circle_ids(org, kinds, day))


def branch_people(*branches: Organization) -> list[Person]:
    """Everyone holding a role in the branches or their groups (the choice list for a plan)."""
    if not branches:
        return []
    return list(db.session.scalars(
        select(Person).join(Membership, Membership.person_id == Person.id).join(Membership.org)
        .where(or_(*[Organization.path.startswith(b.path) for b in branches]),
               active_role_filter(), Person.active)
        .distinct().order_by(Person.name_pinyin)))


def branch_party_members(branch: Organization) -> list[Person]:
    """The branch's party members (正式 and 预备), in pinyin order."""
    return [p for p in branch_people(branch) if p.party_status is not None]


def plannable_people(person, orgs: list[Organization]) -> list[Person]:
    """The people a planner may name: the whole branch for its officers, only the group for a
    group leader (who plans for their own group alone)."""
    scopes = {}
    for org in orgs:
        branch = branch_of(org)
        scope = branch if can(person, "meeting.plan", branch) else org
        scopes[scope.id] = scope
    return branch_people(*scopes.values())


def plannable_orgs(person) -> list[Organization]:
    """Branches and groups where the person may plan a meeting (and the groups below)."""
    roots = orgs_where(person, "meeting.plan")
    if not roots:
        return []
    conditions = [Organization.path.startswith(root.path) for root in roots]
    return list(db.session.scalars(
        select(Organization).where(or_(*conditions), Organization.kind.in_(
            (OrgKind.BRANCH, OrgKind.GROUP)), Organization.active).order_by(Organization.path)))


# ---- planning, publishing, cancelling, moving --------------------------------------------------
@dataclass
class MeetingPlan:
    org: Organization
    kinds: list[MeetingKind]
    topic: str
    starts_at: datetime
    ends_at: datetime
    place: str = ""
    host_id: int | None = None
    recorder_id: int | None = None
    attendee_ids: list[int] | None = None   # None: the default list for org and kinds
    lat: float | None = None
    lng: float | None = None
    checkin_opens_minutes: int = 30
    late_after_minutes: int = 10


def plan_day_bounds(today: date | None = None) -> tuple[date, date]:
    """A meeting may be filed for a day from 1 January of the previous year (补记 of a meeting
    already held) to 31 December of next year (a plan ahead)."""
    today = today or clock.today()
    return date(today.year - 1, 1, 1), date(today.year + 1, 12, 31)


def plan_day_problem(day: date) -> str | None:
    first, last = plan_day_bounds()
    if day < first:
        return (f"日期太早：补记只能补录{first.year}年1月1日以后召开的会议"
                f"（{day.year}年{day.month}月{day.day}日不在范围内）。")
    if day > last:
        return f"日期太晚：会议计划最远只能排到{last.year}年12月31日。"
    return None


def plan_problems(actor, plan: MeetingPlan) -> list[str]:
    """Why this plan cannot be filed (Chinese, for the page); empty when it can."""
    problems = []
    day_problem = plan_day_problem(clock.local_date(plan.starts_at))
    if day_problem:
        problems.append(day_problem)
    if plan.ends_at <= plan.starts_at:
        problems.append("结束时间要晚于开始时间。")
    codes = {kind.code for kind in plan.kinds}
    if any(kind.circle == Circle.GROUP for kind in plan.kinds) and plan.org.kind != OrgKind.GROUP:
        problems.append("党小组会要由党小组召开：请在“开会的组织”里选择党小组。")
    if not codes:
        problems.append("请至少选一种会议类型。")
    problems += _scope_problems(actor, plan)
    return problems


def _scope_problems(actor, plan: MeetingPlan) -> list[str]:
    """Everyone named on the plan belongs to the organisation the planner may plan for: the
    whole branch for its officers, only the group for a group leader."""
    branch = branch_of(plan.org)
    scope = branch if can(actor, "meeting.plan", branch) else plan.org
    inside = {p.id for p in branch_people(scope)}
    problems = []
    where = "本党小组" if scope.kind == OrgKind.GROUP else "本支部"
    outside = sorted(set(plan.attendee_ids or ()) - inside)
    if outside:
        names = _names(outside)
        problems.append(f"只能请{where}的人员参加：{names}不是{where}的成员。"
                        + ("党小组长只能为自己的党小组安排会议。" if scope.kind == OrgKind.GROUP else ""))
    for label, pid in (("主持人", plan.host_id), ("记录人", plan.recorder_id)):
        if pid is not None and pid not in inside:
            problems.append(f"{label}要是{where}的成员（{_names([pid]) or '所选的人'}不是）。")
    return problems


def _names(person_ids) -> str:
    return "、".join(db.session.scalars(select(Person.name).where(Person.id.in_(list(person_ids)))
                                       .order_by(Person.name_pinyin)))


def plan_meeting(actor, plan: MeetingPlan) -> Meeting:
    """计划报备: file a meeting with its list (caller commits). The kinds' circle is 应到 (less
    anyone under a standing exemption that day); people the planner adds beyond it, and a host
    or recorder from outside it, are 列席. A meeting filed after it ended is a 补记."""
    branch = branch_of(plan.org)
    meeting = Meeting(org_id=plan.org.id, branch_id=branch.id, topic=plan.topic,
                      starts_at=plan.starts_at, ends_at=plan.ends_at, place=plan.place,
                      host_id=plan.host_id, recorder_id=plan.recorder_id,
                      planned_by_id=getattr(actor, "id", None), lat=plan.lat, lng=plan.lng,
                      checkin_opens_minutes=plan.checkin_opens_minutes,
                      late_after_minutes=plan.late_after_minutes,
                      backfilled=plan.ends_at < clock.now())
    meeting.kinds = list(plan.kinds)
    db.session.add(meeting)
    db.session.flush()
    day = clock.local_date(plan.starts_at)
    circle = circles.circle_ids(plan.org, plan.kinds, min(day, clock.today()))
    chosen = set(plan.attendee_ids) if plan.attendee_ids is not None else None
    named = {pid for pid in (plan.host_id, plan.recorder_id) if pid is not None}
    parts = circles.list_parts(circle, chosen, named, circles.exempted_ids(circle, day))
    if parts:
        db.session.execute(MeetingAttendee.__table__.insert(), [
            {"meeting_id": meeting.id, "person_id": pid, "part": part}
            for pid, part in parts.items()])
    audit.record(actor, "meeting.plan", "meeting", meeting.id, org_id=branch.id,
                 topic=plan.topic, attendees=len(parts),
                 expected=sum(1 for part in parts.values() if part == AttendeePart.EXPECTED),
                 backfilled=meeting.backfilled)
    return meeting


def attendee_ids(meeting_id: int, *, with_exempted: bool = False) -> list[int]:
    """Everyone on the list who is told about the meeting: 应到 and 列席 (exempted people
    are not sent notices unless asked for)."""
    query = select(MeetingAttendee.person_id).where(MeetingAttendee.meeting_id == meeting_id)
    if not with_exempted:
        query = query.where(MeetingAttendee.part != AttendeePart.EXEMPT)
    return list(db.session.scalars(query))


def when_text(meeting: Meeting) -> str:
    start, end = clock.to_local(meeting.starts_at), clock.to_local(meeting.ends_at)
    return f"{start.month}月{start.day}日 {start:%H:%M}–{end:%H:%M}"


def notice_text(meeting: Meeting) -> str:
    """The text a secretary pastes into the branch's WeChat group ("copy notice")."""
    lines = [f"【{meeting.branch.name}会议通知】", f"会议：{meeting.kind_names}",
             f"主题：{meeting.topic}", f"时间：{when_text(meeting)}"]
    if meeting.place:
        lines.append(f"地点：{meeting.place}")
    if meeting.host:
        lines.append(f"主持人：{meeting.host.name}")
    lines.append("请准时参加，到会后扫描会场大屏二维码签到。不能参加的请在党群小站提前请假。")
    return "\n".join(lines)


def _tell_attendees(meeting: Meeting, title: str, body: str) -> None:
    link = f"/meetings/{meeting.id}"   # plain path: jobs run outside a request
    notify(attendee_ids(meeting.id), title, body, link, kind="meeting")
    queue_for_branch_group(meeting.org, f"{title}\n{body}")   # sent by the clock, never here


def publish_meeting(actor, meeting: Meeting) -> None:
    meeting.status = MeetingStatus.PUBLISHED
    meeting.published_at = clock.now()
    _tell_attendees(meeting, f"会议通知：{meeting.topic}", notice_text(meeting))
    audit.record(actor, "meeting.publish", "meeting", meeting.id, org_id=meeting.branch_id)
    db.session.commit()


def cancel_meeting(actor, meeting: Meeting, reason: str) -> None:
    was_published = meeting.status == MeetingStatus.PUBLISHED
    meeting.status = MeetingStatus.CANCELLED
    meeting.cancelled_at = clock.now()
    if was_published:
        _tell_attendees(meeting, f"会议取消：{meeting.topic}",
                        f"原定{when_text(meeting)}的会议已取消。{reason}".strip())
    audit.record(actor, "meeting.cancel", "meeting", meeting.id, org_id=meeting.branch_id,
                 reason=reason)
    db.session.commit()


def move_problem(meeting: Meeting, ends_at: datetime) -> str | None:
    """A meeting still to come may move, but not into the past (that would be a 补记)."""
    if ends_at <= clock.now():
        return "不能改到已经过去的时间。会后补录请新建一次补记。"
    return None


def move_meeting(actor, meeting: Meeting, starts_at: datetime, ends_at: datetime,
                 place: str) -> None:
    old = when_text(meeting)
    meeting.starts_at, meeting.ends_at, meeting.place = starts_at, ends_at, place
    meeting.reminded_at = None
    if meeting.status == MeetingStatus.PUBLISHED:
        _tell_attendees(meeting, f"会议时间地点变更：{meeting.topic}",
                        f"原定{old}，现改为{when_text(meeting)}，地点：{place or '另行通知'}。")
    audit.record(actor, "meeting.move", "meeting", meeting.id, org_id=meeting.branch_id,
                 old=old, new=when_text(meeting), place=place)
    db.session.commit()


def send_day_before_reminders() -> int:
    """Job: remind attendees of tomorrow's meetings, each meeting once (claimed by UPDATE)."""
    tomorrow = clock.today() + timedelta(days=1)
    start, end = clock.local_datetime(tomorrow), clock.local_datetime(tomorrow + timedelta(days=1))
    claimed = db.session.execute(
        update(Meeting).where(Meeting.status == MeetingStatus.PUBLISHED,
                              Meeting.reminded_at.is_(None), Meeting.starts_at >= start,
                              Meeting.starts_at < end)
        .values(reminded_at=clock.now()).returning(Meeting.id)).scalars().all()
    if not claimed:
        db.session.commit()
        return 0
    meetings = db.session.scalars(select(Meeting).where(Meeting.id.in_(claimed))
                                  .options(selectinload(Meeting.kinds))).all()
    expected = _attendees_by_meeting(claimed)
    for meeting in meetings:
        notify(expected.get(meeting.id, []), f"明天开会：{meeting.topic}",
               f"{when_text(meeting)}，{meeting.place}", f"/meetings/{meeting.id}", kind="meeting")
    db.session.commit()
    return len(claimed)


def _attendees_by_meeting(meeting_ids) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    for meeting_id, person_id in db.session.execute(
            select(MeetingAttendee.meeting_id, MeetingAttendee.person_id)
            .where(MeetingAttendee.meeting_id.in_(meeting_ids),
                   MeetingAttendee.part != AttendeePart.EXEMPT)):
        found.setdefault(meeting_id, []).append(person_id)
    return found


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


def approve_exemption(actor, branch: Organization, person: Person, starts_on: date,
                      ends_on: date, reason: str):
    """A standing exemption (exemptions.py); held meetings it reaches are counted again."""
    row, closed = exemptions.approve_exemption(actor, branch, person, starts_on, ends_on, reason)
    store_counts(closed)
    db.session.commit()
    return row


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


# ---- closing ------------------------------------------------------------------------------------
def close_problems(meeting: Meeting, minutes: str) -> list[str]:
    problems = []
    if meeting.host_id is None:
        problems.append("请先指定主持人。")
    if meeting.recorder_id is None:
        problems.append("请先指定记录人。")
    if len((minutes or "").strip()) < 10:
        problems.append("请填写会议记录（至少10个字）。")
    if meeting.status not in (MeetingStatus.PLANNED, MeetingStatus.PUBLISHED):
        problems.append("这次会议已取消或已归档。")
    elif clock.now() < meeting.starts_at:
        problems.append("会议还没开始，不能归档。")
    return problems


def close_meeting(actor, meeting: Meeting, minutes: str) -> list[str]:
    """Write the minutes and lock the record; absent members get 补学 due in 7 days."""
    problems = close_problems(meeting, minutes)
    if problems:
        return problems
    meeting.minutes, meeting.status, meeting.closed_at = minutes.strip(), MeetingStatus.CLOSED, \
        clock.now()
    absent = [row.person.id for row in attendee_rows(meeting.id) if row.is_absent]
    due = clock.today() + timedelta(days=MAKE_UP_DAYS)
    if absent:
        db.session.execute(MakeUpStudy.__table__.insert(), [
            {"meeting_id": meeting.id, "person_id": pid, "due_on": due} for pid in absent])
        notify(absent, f"请补学：{meeting.topic}", f"您缺席了这次会议，请在{due.month}月{due.day}日前补学。",
               "/meetings/", kind="meeting")
    counts = store_counts([meeting.id])[meeting.id]
    audit.record(actor, "meeting.close", "meeting", meeting.id, org_id=meeting.branch_id,
                 expected=counts.expected, present=counts.present, absent=counts.absent)
    db.session.commit()
    return []


def amend_minutes(actor, meeting: Meeting, minutes: str) -> list[str]:
    """A closed record changes only through the secretary, and every change is audited."""
    if len((minutes or "").strip()) < 10:
        return ["请填写会议记录（至少10个字）。"]
    audit.record(actor, "meeting.amend_minutes", "meeting", meeting.id, org_id=meeting.branch_id,
                 before=meeting.minutes, after=minutes.strip())
    meeting.minutes = minutes.strip()
    db.session.commit()
    return []


# ---- photos ------------------------------------------------------------------------------------
def meeting_photos(meeting_id: int) -> list[MeetingPhoto]:
    return list(db.session.scalars(select(MeetingPhoto).where(
        MeetingPhoto.meeting_id == meeting_id).order_by(MeetingPhoto.id)))


def photo_problem(meeting: Meeting, limit: int) -> str | None:
    if meeting.status == MeetingStatus.CANCELLED:
        return "这次会议已取消，不能上传照片。"
    count = db.session.scalar(select(func.count(MeetingPhoto.id)).where(
        MeetingPhoto.meeting_id == meeting.id))
    if count >= limit:
        return f"每次会议最多{limit}张照片。"
    return None


def add_photo(actor, meeting: Meeting, name: str) -> MeetingPhoto:
    photo = MeetingPhoto(meeting_id=meeting.id, name=name, uploaded_by_id=actor.id)
    db.session.add(photo)
    db.session.flush()
    audit.record(actor, "meeting.photo", "meeting", meeting.id, org_id=meeting.branch_id,
                 photo=name)
    db.session.commit()
    return photo


def photo_meeting(name: str) -> Meeting | None:
    return db.session.scalar(select(Meeting).join(MeetingPhoto, MeetingPhoto.meeting_id == Meeting.id)
                             .where(MeetingPhoto.name == name))


def finish_make_up(person, study_id: int) -> bool:
    study = db.session.get(MakeUpStudy, study_id)
    if study is None or study.person_id != person.id:
        return False
    if study.done_at is None:
        study.done_at = clock.now()
        audit.record(person, "makeup.done", "make_up_study", study.id)
        db.session.commit()
    return True


# ---- member views ------------------------------------------------------------------------------
def my_upcoming(person_id: int) -> list[Meeting]:
    return list(db.session.scalars(
        select(Meeting).join(MeetingAttendee, MeetingAttendee.meeting_id == Meeting.id)
        .where(MeetingAttendee.person_id == person_id, Meeting.ends_at >= clock.now(),
               Meeting.status == MeetingStatus.PUBLISHED)
        .options(selectinload(Meeting.kinds)).order_by(Meeting.starts_at)))


def my_history(person_id: int, limit: int = 50) -> list[tuple[Meeting, CheckIn | None,
                                                               LeaveRequest | None, str]]:
    """Closed meetings on the person's list, with their check-in, leave and part (应到, 列席,
    免于参加: only 应到 can be 缺席)."""
    rows = db.session.execute(
        select(Meeting, CheckIn, LeaveRequest, MeetingAttendee.part)
        .join(MeetingAttendee, MeetingAttendee.meeting_id == Meeting.id)
        .outerjoin(CheckIn, and_(CheckIn.meeting_id == Meeting.id, CheckIn.person_id == person_id))
        .outerjoin(LeaveRequest, and_(LeaveRequest.meeting_id == Meeting.id,
                                      LeaveRequest.person_id == person_id))
        .where(MeetingAttendee.person_id == person_id, Meeting.status == MeetingStatus.CLOSED)
        .options(selectinload(Meeting.kinds))
        .order_by(Meeting.starts_at.desc()).limit(limit))
    return [tuple(row) for row in rows]


def my_year_counts(person_id: int) -> Counts:
    today = clock.today()
    return attendance_summary([person_id], date(today.year, 1, 1), today)[person_id]


def my_make_ups(person_id: int) -> list[MakeUpStudy]:
    return list(db.session.scalars(
        select(MakeUpStudy).where(MakeUpStudy.person_id == person_id, MakeUpStudy.done_at.is_(None))
        .options(selectinload(MakeUpStudy.meeting)).order_by(MakeUpStudy.due_on)))


def branch_meetings(branch: Organization, limit: int = 30) -> list[Meeting]:
    return list(db.session.scalars(
        select(Meeting).where(Meeting.branch_id == branch.id)
        .options(selectinload(Meeting.kinds), selectinload(Meeting.org))
        .order_by(Meeting.starts_at.desc()).limit(limit)))


# ---- personal check-in codes --------------------------------------------------------------------
CODE_PREFIX = "PAM-"


def active_code(person_id: int) -> MemberCode | None:
    return db.session.scalar(select(MemberCode).where(MemberCode.person_id == person_id,
                                                      MemberCode.revoked_at.is_(None)))


def issue_code(actor, person_id: int) -> MemberCode:
    """Revoke the current code (if any) and issue a new one (caller commits)."""
    db.session.execute(update(MemberCode).where(MemberCode.person_id == person_id,
                                                MemberCode.revoked_at.is_(None))
                       .values(revoked_at=clock.now()))
    code = MemberCode(person_id=person_id, code=secrets.token_hex(8).upper())
    db.session.add(code)
    audit.record(actor, "member_code.issue", "person", person_id)
    return code


def codes_for(person_ids: list[int], actor) -> dict[int, str]:
    """Active codes for many people, issuing the missing ones (for the card sheet)."""
    found = dict(db.session.execute(
        select(MemberCode.person_id, MemberCode.code).where(
            MemberCode.person_id.in_(person_ids), MemberCode.revoked_at.is_(None))).all())
    missing = [pid for pid in person_ids if pid not in found]
    if missing:   # first cards for these people: nothing to revoke, one insert
        new_codes = {pid: secrets.token_hex(8).upper() for pid in missing}
        db.session.add_all(MemberCode(person_id=pid, code=code) for pid, code in new_codes.items())
        audit.record(actor, "member_code.issue", "person", None, people=missing)
        db.session.commit()
        found.update(new_codes)
    return found


def person_for_code(text: str) -> int | None:
    code = (text or "").strip().upper()[:40]
    if code.startswith(CODE_PREFIX):
        code = code[len(CODE_PREFIX):]
    return db.session.scalar(select(MemberCode.person_id).where(
        MemberCode.code == code, MemberCode.revoked_at.is_(None)))


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


def update_kind(actor, kind: MeetingKind, period: str | None, min_per_period: int,
                active: bool, circle: str | None = None) -> None:
    """The town admin edits a kind's required frequency and its 应到 circle (audited). A new
    circle applies to meetings planned from now on; lists already filed stay as they are."""
    circle = circle if circle in Circle.LABELS else kind.circle
    audit.record(actor, "meeting_kind.update", "meeting_kind", kind.id, code=kind.code,
                 before=[kind.period, kind.min_per_period, kind.active, kind.circle],
                 after=[period, min_per_period, active, circle])
    kind.period, kind.min_per_period, kind.active = period, min_per_period, active
    kind.circle = circle
    kind.includes_villager_reps = circle in Circle.WITH_REPRESENTATIVES
    db.session.commit()
