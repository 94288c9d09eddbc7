"""Planning a meeting and carrying it through: the kinds, who may be named, filing, publishing,
cancelling and moving, the day-before reminder, closing with minutes, photos, 补学, and the
member's own lists. Services commit (docs/ARCHITECTURE.md)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import selectinload

from .. import audit, clock
from ..authz import can, orgs_where
from ..extensions import db
from ..models import Membership, Organization, OrgKind, Person
from ..notify.services import notify, queue_for_branch_group
from . import circles
from .attendance import Counts, attendance_summary, attendee_rows, store_counts
from .models import (DEFAULT_KINDS, AttendeePart, Circle, CheckIn, LeaveRequest, MakeUpStudy,
                     Meeting, MeetingAttendee, MeetingKind, MeetingPhoto, MeetingStatus)

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
    """计划报备: file a meeting with its list (commits). The kinds' circle is 应到 (less
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
    db.session.commit()
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


# ---- kinds and frequencies (town admin) ---------------------------------------------------------
def all_kinds() -> list[MeetingKind]:
    """Every kind, active or not, for the town admin's page (seeding the defaults, and
    committing them, on a database made by create_all())."""
    found = list(db.session.scalars(select(MeetingKind).order_by(MeetingKind.sort_order)))
    if not found:
        ensure_default_kinds()
        db.session.commit()
        found = list(db.session.scalars(select(MeetingKind).order_by(MeetingKind.sort_order)))
    return found


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
