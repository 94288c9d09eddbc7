"""Compliance (达标) under the configured frequencies: which required meetings each branch has
not held in a period, and the monthly reminder to the secretary."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .. import clock
from ..extensions import db
from ..models import Membership, Organization, OrgKind, Role
from ..notify.services import notify
from .ledger import (HeldMeeting, PeriodRange, held_meeting_days, mondays, month_range, months,
                     parse_period, quarter_range)
from .models import ComplianceReminder, MeetingKind, Period
from .planning import active_kinds, active_role_filter


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
