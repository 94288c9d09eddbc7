"""The compliance matrix: branch × month (and the quarter) of required vs held meetings, by
kind group (三会一课, 主题党日, 联席会议). Built on meetings' branch_compliance() and held
meetings, in a fixed number of queries whatever the number of branches."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from datetime import timedelta

from sqlalchemy import select

from .. import clock
from ..extensions import db
from ..meetings.models import MeetingKind, Period
from ..meetings.services import (HeldMeeting, PeriodRange, active_kinds, branch_compliance,
                                 held_meeting_days, mondays, months)
from ..models import Organization, OrgKind

# kind code -> column group on the matrix
KIND_GROUPS = {
    "branch_assembly": "三会一课", "branch_committee": "三会一课", "group_meeting": "三会一课",
    "party_lecture": "三会一课", "theme_day": "主题党日", "joint_leadership": "联席会议",
    "party_mass_joint": "联席会议",
}
GROUP_ORDER = ("三会一课", "主题党日", "联席会议", "其他会议")
QUARTER_COLUMN = "Q"


def group_of(kind: MeetingKind) -> str:
    return KIND_GROUPS.get(kind.code, "其他会议")


@dataclass
class Cell:
    required: int = 0
    held: int = 0
    backfilled: int = 0     # of the held ones, entered after they took place (补记)
    short: int = 0          # required units not (yet) held
    overdue: int = 0        # of which the period has ended
    future: bool = False    # the period has not begun
    period_key: str = ""

    @property
    def state(self) -> str:
        if self.future:
            return "future"
        if self.required == 0:
            return "none"
        if self.overdue:
            return "missing"
        return "open" if self.short else "ok"

    @property
    def met(self) -> int:
        return 0 if self.future else self.required - self.short


@dataclass
class Matrix:
    quarter: PeriodRange
    columns: list[tuple[str, str, str]]        # (column key, label, period key)
    groups: list[str]
    cells: dict                                # (branch_id, group, column key) -> Cell

    def cell(self, branch_id: int, group: str, column: str) -> Cell:
        return self.cells.get((branch_id, group, column)) or Cell()

    def row_cells(self, branch_id: int, group: str) -> list[Cell]:
        """A branch's cells of one group, in column order (what a table row shows)."""
        return [self.cell(branch_id, group, key) for key, _, _ in self.columns]

    def meeting_rate(self, branch_id: int) -> float:
        """Held units / (held units + overdue missing units): periods still open count only
        once met."""
        met, overdue = self._met_and_overdue.get(branch_id, (0, 0))
        return met / (met + overdue) if met + overdue else 1.0

    @cached_property
    def _met_and_overdue(self) -> dict[int, tuple[int, int]]:
        """Per branch (met units, overdue units): one pass over the cells for all branches."""
        found: dict[int, tuple[int, int]] = {}
        for (branch_id, _, _), cell in self.cells.items():
            if not cell.future:
                met, overdue = found.get(branch_id, (0, 0))
                found[branch_id] = (met + cell.met, overdue + cell.overdue)
        return found


def compliance_matrix(branch_ids: list[int], quarter: PeriodRange, *, branches=None,
                      groups=None, kinds=None,
                      meetings: list[HeldMeeting] | None = None) -> Matrix:
    """The matrix for the branches. The dashboard passes what it already loaded: the branch
    rows, their active groups, the active kinds and held_meeting_days() covering at least the
    quarter widened by 6 days each side; otherwise they are queried here."""
    if kinds is None:
        kinds = active_kinds()
    kinds = [k for k in kinds if k.period and k.min_per_period > 0]
    if groups is None:
        groups = active_groups(branch_ids)
    if meetings is None:
        meetings = held_meeting_days(branch_ids, quarter.first - timedelta(days=6),
                                     quarter.last + timedelta(days=6))
    group_names = [g for g in GROUP_ORDER if any(group_of(k) == g for k in kinds)]
    month_list = months(quarter)
    columns = [(m.key, f"{m.first.month}月", m.key) for m in month_list]
    columns.append((QUARTER_COLUMN, "本季度", quarter.key))
    group_counts: dict[int, int] = {}
    for group in groups:
        group_counts[group.parent_id] = group_counts.get(group.parent_id, 0) + 1
    cells: dict = {}
    today = clock.today()
    # what each kind asks per column, worked out once rather than for every branch
    plan = [(group_of(kind), kind.per_group,
             [(column, first, kind.min_per_period * _buckets_in(kind, first, month_list))
              for column, first in _columns_of(kind, month_list, quarter)]) for kind in kinds]
    for branch_id in branch_ids:
        for group_name, per_group, asked in plan:
            holders = group_counts.get(branch_id, 0) if per_group else 1
            for column, first, required in asked:
                cell = cells.setdefault((branch_id, group_name, column), Cell(period_key=column))
                cell.required += required * holders
                cell.future = first > today
    in_quarter = [m for m in meetings if quarter.first <= m.day <= quarter.last]
    _add_held(cells, in_quarter, kinds)
    widened = [m for m in meetings if quarter.first - timedelta(days=6) <= m.day
               <= quarter.last + timedelta(days=6)]
    _add_missing(cells, branch_compliance(branch_ids, quarter, branches=branches, groups=groups,
                                          kinds=kinds, meetings=widened))
    for (_, _, column), cell in cells.items():
        cell.period_key = quarter.key if column == QUARTER_COLUMN else column
    return Matrix(quarter, columns, group_names, cells)


def active_groups(branch_ids) -> list[Organization]:
    """The active groups (党小组) of the branches, by id: one query."""
    return list(db.session.scalars(select(Organization).where(
        Organization.parent_id.in_(list(branch_ids)), Organization.kind == OrgKind.GROUP,
        Organization.active).order_by(Organization.id)))


def _columns_of(kind, month_list, quarter):
    if kind.period == Period.QUARTER:
        return [(QUARTER_COLUMN, quarter.first)]
    return [(m.key, m.first) for m in month_list]


def _buckets_in(kind, first, month_list) -> int:
    if kind.period == Period.WEEK:
        month = next(m for m in month_list if m.first == first)
        return len(mondays(month))
    return 1


def _column_of(period: str, day) -> str:
    if period == Period.QUARTER:
        return QUARTER_COLUMN
    if period == Period.WEEK:
        day = day - timedelta(days=day.weekday())   # a week belongs to its Monday's month
    return f"{day.year}-{day.month:02d}"


def _add_held(cells, meetings: list[HeldMeeting], kinds) -> None:
    """Meetings held, counted once per cell even when one meeting serves two kinds of a group."""
    wanted = {k.id: k for k in kinds}
    for meeting in meetings:
        seen = set()
        for kind_id in sorted(meeting.kind_ids):
            kind = wanted.get(kind_id)
            if kind is None:
                continue
            key = (meeting.branch_id, group_of(kind), _column_of(kind.period, meeting.day))
            if key in cells and key not in seen:
                cells[key].held += 1
                cells[key].backfilled += meeting.backfilled
                seen.add(key)


def _add_missing(cells, compliance) -> None:
    kinds: dict[int, tuple] = {}     # per kind object: (its group, its period), read once
    today = clock.today()
    for branch_id, result in compliance.items():
        for miss in result.missing:
            group_name, period = kinds.get(id(miss.kind)) or kinds.setdefault(
                id(miss.kind), (group_of(miss.kind), miss.kind.period))
            first = miss.last - timedelta(days=6) if period == Period.WEEK else miss.last
            cell = cells.get((branch_id, group_name, _column_of(period, first)))
            if cell is None:
                continue
            gap = miss.required - miss.held
            cell.short += gap
            if miss.last < today:            # the period is over (Missing.still_open is False)
                cell.overdue += gap
