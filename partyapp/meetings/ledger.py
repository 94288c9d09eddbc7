"""台账 (the ledger of held meetings), compliance under the configured frequencies, the Excel
export and the monthly reminder to the secretary."""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache

from openpyxl import Workbook
from sqlalchemy import bindparam, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import selectinload

from .. import clock
from ..extensions import db
from ..xlsx import append_row
from ..models import Membership, Organization, OrgKind, Person, Role
from ..calendar.services import local_day, parse_day
from ..notify.services import notify
from .models import (CheckIn, ComplianceReminder, Meeting, MeetingKind, MeetingStatus, Period,
                     meeting_kind_link)
from .services import active_kinds, active_role_filter, attendee_rows_by_meeting, meeting_counts


# ---- periods -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class PeriodRange:
    key: str        # "2026-Q4" or "2026-11"
    label: str      # "2026年第4季度" / "2026年11月"
    first: date
    last: date


def quarter_range(year: int, quarter: int) -> PeriodRange:
    first = date(year, 3 * quarter - 2, 1)
    return PeriodRange(f"{year}-Q{quarter}", f"{year}年第{quarter}季度", first,
                       _month_end(year, 3 * quarter))


def month_range(year: int, month: int) -> PeriodRange:
    return PeriodRange(f"{year}-{month:02d}", f"{year}年{month}月", date(year, month, 1),
                       _month_end(year, month))


def _month_end(year: int, month: int) -> date:
    following = date(year + (month == 12), month % 12 + 1, 1)
    return following - timedelta(days=1)


def parse_period(text: str | None) -> PeriodRange:
    """"2026-Q4" or "2026-11"; anything else means the current quarter."""
    try:
        year_text, _, rest = (text or "").partition("-")
        year = int(year_text)
        if not 2000 <= year <= 2100:
            raise ValueError
        if rest.upper().startswith("Q") and rest[1:] in ("1", "2", "3", "4"):
            return quarter_range(year, int(rest[1:]))
        if rest.isascii() and rest.isdigit() and 1 <= int(rest) <= 12:
            return month_range(year, int(rest))
    except ValueError:
        pass
    today = clock.today()
    return quarter_range(today.year, (today.month - 1) // 3 + 1)


def mondays(period: PeriodRange) -> list[date]:
    """The weeks of a period: a week belongs to the month of its Monday."""
    first = period.first + timedelta(days=(7 - period.first.weekday()) % 7)
    return [first + timedelta(weeks=n) for n in range((period.last - first).days // 7 + 1)]


def months(period: PeriodRange) -> list[PeriodRange]:
    found, day = [], period.first
    while day <= period.last:
        found.append(month_range(day.year, day.month))
        day = found[-1].last + timedelta(days=1)
    return found


# ---- ledger -------------------------------------------------------------------------------------
def held_meetings(branch_ids: list[int], first: date, last: date,
                  kind_id: int | None = None, *, with_people: bool = True) -> list[Meeting]:
    query = (select(Meeting).where(Meeting.branch_id.in_(branch_ids),
                                   Meeting.status == MeetingStatus.CLOSED,
                                   Meeting.starts_at >= clock.local_datetime(first),
                                   Meeting.starts_at < clock.local_datetime(last + timedelta(days=1)))
             .options(selectinload(Meeting.kinds)).order_by(Meeting.starts_at))
    if with_people:
        query = query.options(selectinload(Meeting.org), selectinload(Meeting.host),
                              selectinload(Meeting.recorder))
    if kind_id:
        query = query.where(Meeting.kinds.any(MeetingKind.id == kind_id))
    return list(db.session.scalars(query))


@dataclass(frozen=True)
class HeldMeeting:
    """What counting needs of a closed meeting: no ORM entity, no datetime."""
    id: int
    branch_id: int
    org_id: int
    day: date                   # local date of its start
    kind_ids: frozenset[int]
    backfilled: bool = False    # 补记: entered after it took place


def held_meeting_days(branch_ids: list[int], first: date, last: date) -> list[HeldMeeting]:
    """Closed meetings whose local start day is between first and last (inclusive), in start
    order, with their kind ids: ONE query of plain columns (compliance and attendance figures
    over many branches)."""
    rows = db.session.execute(_held_days_statement(), {
        "ids": list(branch_ids), "start": clock.local_datetime(first),
        "end": clock.local_datetime(last + timedelta(days=1))})
    found: dict[int, tuple] = {}
    for meeting_id, branch_id, org_id, day, backfilled, kind_id in rows:
        entry = found.setdefault(meeting_id, (branch_id, org_id, day, bool(backfilled), set()))
        if kind_id is not None:
            entry[4].add(kind_id)
    return [HeldMeeting(mid, branch_id, org_id, parse_day(day), frozenset(kinds), backfilled)
            for mid, (branch_id, org_id, day, backfilled, kinds) in found.items()]


@cache
def _held_days_statement():
    """Built once: only the bound values change from call to call."""
    moment = Meeting.starts_at.type
    return (select(Meeting.id, Meeting.branch_id, Meeting.org_id, local_day(Meeting.starts_at),
                   Meeting.backfilled, meeting_kind_link.c.kind_id)
            .outerjoin(meeting_kind_link, meeting_kind_link.c.meeting_id == Meeting.id)
            .where(Meeting.branch_id.in_(bindparam("ids", expanding=True)),
                   Meeting.status == MeetingStatus.CLOSED,
                   Meeting.starts_at >= bindparam("start", type_=moment),
                   Meeting.starts_at < bindparam("end", type_=moment))
            .order_by(Meeting.starts_at, Meeting.id))


def flagged_check_ins(meeting_ids: list[int]):
    """Check-ins the anti-proxy checks flagged (far from the venue, one phone for several)."""
    if not meeting_ids:
        return []
    return list(db.session.execute(
        select(CheckIn, Person.name).join(Person, Person.id == CheckIn.person_id)
        .where(CheckIn.meeting_id.in_(meeting_ids),
               (CheckIn.flag_far) | (CheckIn.flag_shared_device))
        .order_by(CheckIn.meeting_id, CheckIn.at)))


def ledger(branch: Organization, period: PeriodRange, kind_id: int | None = None):
    meetings = held_meetings([branch.id], period.first, period.last, kind_id)
    return meetings, meeting_counts([m.id for m in meetings])


def filed_plans(branch_ids: list[int], first: date, last: date,
                kind_id: int | None = None) -> list[Meeting]:
    """计划报备: meetings filed for the period and not yet held (planned or notified, not
    cancelled), so the plan can be compared with the record (seed 004 §6)."""
    query = (select(Meeting).where(Meeting.branch_id.in_(branch_ids), Meeting.status.in_(
        (MeetingStatus.PLANNED, MeetingStatus.PUBLISHED)),
        Meeting.starts_at >= clock.local_datetime(first),
        Meeting.starts_at < clock.local_datetime(last + timedelta(days=1)))
        .options(selectinload(Meeting.kinds), selectinload(Meeting.org),
                 selectinload(Meeting.host))
        .order_by(Meeting.starts_at))
    if kind_id:
        query = query.where(Meeting.kinds.any(MeetingKind.id == kind_id))
    return list(db.session.scalars(query))


LEDGER_HEADERS = ["日期", "时间", "会议类型", "主题", "地点", "主持人", "记录人", "应到", "实到",
                  "请假", "缺席", "迟到", "免于参加", "列席", "补记", "会议记录"]


def _filed_on(meeting: Meeting) -> str:
    return clock.to_local(meeting.created_at).strftime("%Y-%m-%d")


def export_workbook(branch: Organization, period: PeriodRange) -> bytes:
    """Three sheets: 会议台账 (one row per meeting with counts, 补记 mark and the minutes),
    出勤明细 (one row per person; a leave shows as 请假, never its reason), 计划报备 (filed, not
    yet held)."""
    meetings, counts = ledger(branch, period)
    book = Workbook()
    sheet = book.active
    sheet.title = "会议台账"
    append_row(sheet, LEDGER_HEADERS)
    for m in meetings:
        c = counts[m.id]
        start = clock.to_local(m.starts_at)
        append_row(sheet, [start.strftime("%Y-%m-%d"), start.strftime("%H:%M"), m.kind_names, m.topic,
                      m.place, m.host.name if m.host else "", m.recorder.name if m.recorder else "",
                      c.expected, c.present, c.on_leave, c.absent, c.late, c.exempt, c.observers,
                      f"补记（{_filed_on(m)}补录）" if m.backfilled else "", m.minutes])
    people = book.create_sheet("出勤明细")
    append_row(people, ["日期", "主题", "姓名", "出勤", "签到时间", "签到方式"])
    rows = attendee_rows_by_meeting([m.id for m in meetings])
    for m in meetings:
        for row in rows.get(m.id, []):
            append_row(people, [clock.to_local(m.starts_at).strftime("%Y-%m-%d"), m.topic,
                           row.person.name, row.status,
                           clock.to_local(row.check_in.at).strftime("%H:%M") if row.check_in else "",
                           row.check_in.method_label if row.check_in else ""])
    plans = book.create_sheet("计划报备")
    append_row(plans, ["日期", "时间", "会议类型", "主题", "地点", "主持人", "报备日期", "状态"])
    for m in filed_plans([branch.id], period.first, period.last):
        start = clock.to_local(m.starts_at)
        append_row(plans, [start.strftime("%Y-%m-%d"), start.strftime("%H:%M"), m.kind_names, m.topic,
                      m.place, m.host.name if m.host else "", _filed_on(m), m.status_label])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# ---- compliance ---------------------------------------------------------------------------------
@dataclass
class Missing:
    org: Organization
    kind: MeetingKind
    period_label: str
    held: int
    required: int
    last: date          # the last day of the week/month/quarter it is due in

    @property
    def still_open(self) -> bool:
        return self.last >= clock.today()


@dataclass
class Compliance:
    branch: Organization
    missing: list[Missing] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.missing


def branch_compliance(org_ids: list[int], period: PeriodRange | str, *, branches=None,
                      groups=None, kinds=None, meetings=None) -> dict[int, Compliance]:
    """Which required meetings each branch has not held in the period ("2026-Q4", "2026-11"
    or a PeriodRange), in a fixed number of queries. Monthly kinds per month, weekly kinds per
    week (by its Monday), quarterly kinds when the period is a quarter (or its last month).
    A caller that already has them may pass the branches, their active groups, the active
    kinds and held_meeting_days() covering the period widened by 6 days each side."""
    if isinstance(period, str):
        period = parse_period(period)
    if branches is None:
        branches = list(db.session.scalars(select(Organization).where(
            Organization.id.in_(org_ids))))
    if groups is None:
        groups = list(db.session.scalars(select(Organization).where(
            Organization.parent_id.in_(org_ids), Organization.kind == OrgKind.GROUP,
            Organization.active).order_by(Organization.id)))
    if kinds is None:
        kinds = [k for k in active_kinds() if k.period and k.min_per_period > 0]
    if meetings is None:
        meetings = held_meeting_days(org_ids, period.first - timedelta(days=6),
                                     period.last + timedelta(days=6))
    wanted = set(org_ids)
    buckets = {kind.id: _buckets(kind, period) for kind in kinds}     # the same for every branch
    by_branch: dict[int, dict[int, list[HeldMeeting]]] = {}
    for meeting in meetings:
        own = by_branch.setdefault(meeting.branch_id, {})
        for kind_id in meeting.kind_ids:
            own.setdefault(kind_id, []).append(meeting)
    result = {}
    for branch in branches:
        if branch.id not in wanted:
            continue
        own_groups = [g for g in groups if g.parent_id == branch.id]
        mine = by_branch.get(branch.id, {})
        result[branch.id] = Compliance(branch, [miss for kind in kinds for miss in _missing(
            branch, own_groups, kind, mine.get(kind.id, []), buckets[kind.id])])
    return result


def _buckets(kind: MeetingKind, period: PeriodRange) -> list[tuple[str, date, date]]:
    if kind.period == Period.WEEK:
        return [(f"{monday.month}月{monday.day}日那周", monday, monday + timedelta(days=6))
                for monday in mondays(period)]
    if kind.period == Period.MONTH:
        return [(f"{m.first.month}月", m.first, m.last) for m in months(period)]
    quarter_last_months = (3, 6, 9, 12)
    if period.key[5:].startswith("Q") or period.last.month in quarter_last_months:
        quarter = (period.first.month - 1) // 3 + 1
        q = quarter_range(period.first.year, quarter)
        return [(q.label, q.first, q.last)]
    return []


def _missing(branch, groups, kind, meetings, buckets) -> list[Missing]:
    """meetings: the branch's held meetings of this kind; buckets: _buckets(kind, period)."""
    per_group, need = kind.per_group, kind.min_per_period
    holders = [(org, org.id) for org in (groups if per_group else [branch])]
    found = []
    for label, first, last in buckets:
        inside = [m.org_id for m in meetings if first <= m.day <= last]
        for org, org_id in holders:
            held = inside.count(org_id) if per_group else len(inside)
            if held < need:
                found.append(Missing(org, kind, label, held, need, last))
    return found


# ---- monthly reminder ---------------------------------------------------------------------------
def send_compliance_reminders() -> int:
    """Job: at the start of each month tell each secretary what is still due this month (and
    this quarter). Once per branch, kind and period: the unique reminder row is the claim."""
    today = clock.today()
    month = month_range(today.year, today.month)
    quarter = quarter_range(today.year, (today.month - 1) // 3 + 1)
    branches = list(db.session.scalars(select(Organization).where(
        Organization.kind == OrgKind.BRANCH, Organization.active)))
    if not branches:
        return 0
    ids = [b.id for b in branches]
    by_month, by_quarter = branch_compliance(ids, month), branch_compliance(ids, quarter)
    due = {branch_id: [m for m in by_month[branch_id].missing if m.kind.period != Period.QUARTER]
           + [m for m in by_quarter[branch_id].missing if m.kind.period == Period.QUARTER]
           for branch_id in ids}
    claimed = _claim(due, month, quarter)
    secretaries = _secretaries(ids)
    sent = 0
    for branch_id, missing in due.items():
        lines = [miss for miss in missing if (branch_id, miss.kind.id) in claimed]
        if lines and secretaries.get(branch_id):
            notify(secretaries[branch_id], "本月还有会议要开",
                   "；".join(f"{m.org.name}{m.kind.name}（{m.period_label}）" for m in lines),
                   f"/meetings/compliance/{branch_id}", kind="meeting")
            sent += 1
    db.session.commit()
    return sent


def _claim(due: dict[int, list[Missing]], month: PeriodRange,
           quarter: PeriodRange) -> set[tuple[int, int]]:
    """ONE conditional insert of every (branch, kind, period) still due; the rows it really
    inserted (RETURNING) are this run's to announce — a second run or clock gets none."""
    rows = {(branch_id, miss.kind.id): quarter.key if miss.kind.period == Period.QUARTER
            else month.key for branch_id, missing in due.items() for miss in missing}
    if not rows:
        return set()
    dialect_insert = postgresql_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    statement = (dialect_insert(ComplianceReminder)
                 .values([{"org_id": org_id, "kind_id": kind_id, "period_key": key,
                           "sent_at": clock.now()} for (org_id, kind_id), key in rows.items()])
                 .on_conflict_do_nothing(index_elements=["org_id", "kind_id", "period_key"])
                 .returning(ComplianceReminder.org_id, ComplianceReminder.kind_id))
    return {tuple(row) for row in db.session.execute(statement)}


def _secretaries(branch_ids: list[int]) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    for org_id, person_id in db.session.execute(select(Membership.org_id, Membership.person_id)
                                                .where(Membership.org_id.in_(branch_ids),
                                                       Membership.role == Role.SECRETARY,
                                                       active_role_filter())):
        found.setdefault(org_id, []).append(person_id)
    return found

