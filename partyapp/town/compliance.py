"""The compliance matrix: branch × month (and the quarter) of required vs held meetings, by
kind group (三会一课, 主题党日, 联席会议). Built on meetings' branch_compliance() and held
meetings, in a fixed number of queries whatever the number of branches."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

from .. import clock
from ..extensions import db
from ..meetings.ledger import PeriodRange, branch_compliance, held_meetings, mondays, months
from ..meetings.models import MeetingKind, Period
from ..meetings.services import active_kinds
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

    def meeting_rate(self, branch_id: int) -> float:
        """Held units / (held units + overdue missing units): periods still open count only
        once met."""
        met = overdue = 0
        for (bid, _, _), cell in self.cells.items():
            if bid == branch_id and not cell.future:
                met += cell.met
                overdue += cell.overdue
        return met / (met + overdue) if met + overdue else 1.0


def compliance_matrix(branch_ids: list[int], quarter: PeriodRange) -> Matrix:
    kinds = [k for k in active_kinds() if k.period and k.min_per_period > 0]
    groups = [g for g in GROUP_ORDER if any(group_of(k) == g for k in kinds)]
    month_list = months(quarter)
    columns = [(m.key, f"{m.first.month}月", m.key) for m in month_list]
    columns.append((QUARTER_COLUMN, "本季度", quarter.key))
    group_counts = _group_counts(branch_ids)
    cells: dict = {}
    today = clock.today()
    for branch_id in branch_ids:
        for kind in kinds:
            holders = group_counts.get(branch_id, 0) if kind.per_group else 1
            for column, first in _columns_of(kind, month_list, quarter):
                cell = cells.setdefault((branch_id, group_of(kind), column), Cell(period_key=column))
                cell.required += kind.min_per_period * holders * _buckets_in(kind, first, quarter)
                cell.future = first > today
    _add_held(cells, branch_ids, quarter, kinds)
    _add_missing(cells, branch_ids, quarter)
    for (_, _, column), cell in cells.items():
        cell.period_key = quarter.key if column == QUARTER_COLUMN else column
    return Matrix(quarter, columns, groups, cells)


def _columns_of(kind, month_list, quarter):
    if kind.period == Period.QUARTER:
        return [(QUARTER_COLUMN, quarter.first)]
    return [(m.key, m.first) for m in month_list]


def _buckets_in(kind, first, quarter) -> int:
    if kind.period == Period.WEEK:
        month = next(m for m in months(quarter) if m.first == first)
        return len(mondays(month))
    return 1


def _group_counts(branch_ids) -> dict[int, int]:
    return dict(db.session.execute(
        select(Organization.parent_id, func.count()).where(
            Organization.parent_id.in_(branch_ids), Organization.kind == OrgKind.GROUP,
            Organization.active).group_by(Organization.parent_id)).all())


def _column_for(kind, day, quarter) -> str:
    if kind.period == Period.QUARTER:
        return QUARTER_COLUMN
    if kind.period == Period.WEEK:
        day = day - timedelta(days=day.weekday())   # a week belongs to its Monday's month
    return f"{day.year}-{day.month:02d}"


def _add_held(cells, branch_ids, quarter, kinds) -> None:
    """Meetings held, counted once per cell even when one meeting serves two kinds of a group."""
    wanted = {k.id: k for k in kinds}
    for meeting in held_meetings(branch_ids, quarter.first, quarter.last, with_people=False):
        day = clock.local_date(meeting.starts_at)
        seen = set()
        for kind in meeting.kinds:
            if kind.id not in wanted:
                continue
            key = (meeting.branch_id, group_of(kind), _column_for(kind, day, quarter))
            if key in cells and key not in seen:
                cells[key].held += 1
                seen.add(key)


def _add_missing(cells, branch_ids, quarter) -> None:
    for branch_id, result in branch_compliance(branch_ids, quarter).items():
        for miss in result.missing:
            first = miss.last - timedelta(days=6) if miss.kind.period == Period.WEEK else miss.last
            key = (branch_id, group_of(miss.kind), _column_for(miss.kind, first, quarter))
            cell = cells.get(key)
            if cell is None:
                continue
            gap = miss.required - miss.held
            cell.short += gap
            if not miss.still_open:
                cell.overdue += gap
