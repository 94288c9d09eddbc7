"""台账 (the ledger of held meetings): periods, the held meetings and filed plans of a branch,
the Excel export. Compliance under the configured frequencies is in compliance.py."""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from openpyxl import Workbook
from sqlalchemy import bindparam, select
from sqlalchemy.orm import selectinload

from .. import clock
from ..extensions import db
from ..models import Organization, Person
from ..xlsx import append_row
from ..calendar.services import local_day, parse_day
from .attendance import attendee_rows_by_meeting, meeting_counts
from .models import CheckIn, Meeting, MeetingKind, MeetingStatus, meeting_kind_link


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
