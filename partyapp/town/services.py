"""Rules of the town oversight feature: one screen for every branch of a town (镇党委督查).

Every figure comes from the other features' services in a fixed number of queries, whatever
the number of branches: meetings (compliance, counts), opinions (reply figures, escalations),
disclosures (commitment alerts) and ratings (stars distribution, when that feature exists).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache, cached_property

from sqlalchemy import bindparam, case, func, literal_column, or_, select
from sqlalchemy.orm import contains_eager, joinedload

from .. import audit, clock
from ..authz import can, orgs_where
from ..calendar.services import local_day
from ..disclosures.services import CommitmentAlert, commitment_figures
from ..extensions import db
from ..meetings.models import Meeting, MeetingKind, MeetingStatus
from ..meetings.services import (Counts, PeriodRange, active_kinds, held_meeting_days, month_range,
                                 parse_period, quarter_range)
from ..models import Organization, OrgKind
from ..notify.services import notify
from ..opinions.models import Opinion, Status
from ..opinions.services import (branch_secretary_id, escalated_opinions, monthly_on_time,
                                 village_reply_stats)
from . import charts, score
from .compliance import Matrix, compliance_matrix
from .models import SupervisoryNote

TREND_MONTHS = 6
# The dashboard's tabs (?section=): key -> label. The print view and the workbook hold all.
SECTIONS = {"overview": "总览", "meetings": "开会", "opinions": "意见", "commitments": "承诺",
            "stars": "星级"}
DEFAULT_SECTION = "overview"
NOTE_MAX = 500


class NoteError(ValueError):
    """A supervisory note that may not be added; the message is Chinese."""


# ---- which town ---------------------------------------------------------------------------------
def towns_for(person) -> list[Organization]:
    """The towns a person oversees (a town admin usually administers one)."""
    return [org for org in orgs_where(person, "town.oversee") if org.kind == OrgKind.TOWN]


def branches_and_groups(town: Organization) -> tuple[list[Organization], list[Organization]]:
    """The town's active branches (by path) and their active groups (by id): one query."""
    orgs = list(db.session.scalars(select(Organization).where(
        Organization.path.startswith(town.path),
        Organization.kind.in_((OrgKind.BRANCH, OrgKind.GROUP)),
        Organization.active).order_by(Organization.path)))
    branches = [o for o in orgs if o.kind == OrgKind.BRANCH]
    ids = {b.id for b in branches}
    groups = sorted((o for o in orgs if o.kind == OrgKind.GROUP and o.parent_id in ids),
                    key=lambda o: o.id)
    return branches, groups


def quarter_of(text: str | None) -> PeriodRange:
    """A quarter from "2026-Q4" (or the quarter of "2026-11"); the current one otherwise."""
    period = parse_period(text)
    return quarter_range(period.first.year, (period.first.month - 1) // 3 + 1)


def quarter_choices(on: date, count: int = 6) -> list[PeriodRange]:
    year, quarter = on.year, (on.month - 1) // 3 + 1
    found = []
    for _ in range(count):
        found.append(quarter_range(year, quarter))
        year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    return found


# ---- stars ----------------------------------------------------------------------------------
def stars_distribution(org_ids, year: int) -> dict[int, dict[int, int]]:
    """{branch_id: {stars: count of members}} from each branch's latest 公示 (0 = 不合格)."""
    from ..ratings.services import stars_distribution as published

    return published(list(org_ids), year)


# ---- the dashboard ------------------------------------------------------------------------------
class BranchRow:
    """One branch's line of the dashboard: each figure read from the board's part that holds
    it (computed for all branches at once, when first asked for)."""

    def __init__(self, board: "Dashboard", branch: Organization):
        self.board, self.branch = board, branch

    @property
    def replies(self) -> dict:                     # opinions.stats entry for the quarter
        return self.board.reply_stats[self.branch.id]

    @property
    def open_now(self) -> int:
        return self.board.open_opinions[0].get(self.branch.id, 0)

    @property
    def overdue_now(self) -> int:
        return self.board.open_opinions[1].get(self.branch.id, 0)

    @property
    def alerts(self) -> list[CommitmentAlert]:
        return self.board.commitments[1].get(self.branch.id, [])

    @property
    def open_commitments(self) -> int:
        return self.board.commitments[0].get(self.branch.id, 0)

    @cached_property
    def attendance(self) -> Counts:
        board = self.board
        return _sum_counts(board.monthly, self.branch.id,
                           [m.key for m in board.trend if _in(m, board.quarter)])

    @cached_property
    def score(self) -> score.Score:
        return score.branch_score(score_parts(self, self.board.matrix), self.board.weights)

    @property
    def stars(self) -> dict[int, int]:
        return self.board.stars.get(self.branch.id, {})

    @property
    def overdue_alerts(self) -> int:
        return sum(1 for a in self.alerts if a.overdue)

    @property
    def stale_alerts(self) -> int:
        return sum(1 for a in self.alerts if a.stale)


@dataclass
class Trend:
    branch: Organization
    chart: charts.LineChart
    cells: list[tuple[str, Counts]]


class Dashboard:
    """The figures of one town and quarter. Each part is computed when first used, in a fixed
    number of queries whatever the number of branches: a tab of the screen pays only for what
    it shows; the print view and the workbook use every part."""

    def __init__(self, town: Organization, quarter: PeriodRange):
        self.town, self.quarter = town, quarter
        self.trend = trend_months(quarter)
        self.trend_labels = [f"{m.first.month}月" for m in self.trend]
        self.weights = score.weights()
        self.formula = score.formula_text(self.weights)
        self.stars_year = quarter.first.year
        self.praise_min, self.help_max = score.praise_min_stars(), score.help_max_stars()

    @cached_property
    def _orgs(self) -> tuple[list[Organization], list[Organization]]:
        return branches_and_groups(self.town)

    @property
    def branches(self) -> list[Organization]:
        return self._orgs[0]

    @cached_property
    def ids(self) -> list[int]:
        return [b.id for b in self.branches]

    @cached_property
    def monthly(self) -> dict[tuple[int, str], Counts]:
        return attendance_by_month(self.ids, self.trend)

    @cached_property
    def matrix(self) -> Matrix:
        quarter = self.quarter
        # one query of held meetings serves the matrix and its compliance (+-6 days)
        meetings = held_meeting_days(self.ids, quarter.first - timedelta(days=6),
                                     quarter.last + timedelta(days=6))
        return compliance_matrix(self.ids, quarter, branches=self.branches, groups=self._orgs[1],
                                 kinds=_active_kinds(), meetings=meetings)

    @cached_property
    def rows(self) -> list[BranchRow]:
        return [BranchRow(self, b) for b in self.branches]

    @cached_property
    def reply_stats(self) -> dict[int, dict]:
        return village_reply_stats(self.ids, self.quarter.first, self.quarter.last)

    @cached_property
    def open_opinions(self) -> tuple[dict[int, int], dict[int, int]]:
        return open_opinion_counts(self.ids)

    @cached_property
    def commitments(self) -> tuple[dict[int, int], dict[int, list[CommitmentAlert]]]:
        open_commitments, alerts = commitment_figures(self.ids)
        return open_commitments, _alerts_by_branch(alerts)

    @cached_property
    def praise(self) -> list[BranchRow]:
        return sorted((r for r in self.rows if r.score.stars >= self.praise_min),
                      key=lambda r: -r.score.value)

    @cached_property
    def help(self) -> list[BranchRow]:
        return sorted((r for r in self.rows if r.score.stars <= self.help_max),
                      key=lambda r: r.score.value)

    @cached_property
    def stars(self) -> dict[int, dict[int, int]]:
        return stars_distribution(self.ids, self.stars_year)

    @property
    def stars_published(self) -> bool:
        return bool(self.stars)

    @cached_property
    def escalated(self) -> list[Opinion]:
        return escalated_opinions(self.town)

    @cached_property
    def notes(self) -> dict[int, list[SupervisoryNote]]:
        return notes_for([o.id for o in self.escalated])

    @cached_property
    def attendance_trends(self) -> list[Trend]:
        return _attendance_trends(self.branches, self.monthly, self.trend)

    @cached_property
    def _reply_trend(self):
        return _reply_trend(self.trend, monthly_on_time(self.ids, self.trend))

    @property
    def reply_trend(self) -> charts.LineChart:
        return self._reply_trend[0]

    @property
    def reply_trend_cells(self) -> list[tuple[str, int, int, int | None]]:
        return self._reply_trend[1]


def dashboard(town: Organization, quarter: PeriodRange) -> Dashboard:
    return Dashboard(town, quarter)


def _active_kinds() -> list[MeetingKind]:
    """meetings.active_kinds() in one query: the kinds are read first and the defaults seeded
    (ensure_default_kinds) only when the table is empty."""
    kinds = list(db.session.scalars(select(MeetingKind).order_by(MeetingKind.sort_order)))
    if not kinds:
        return active_kinds()
    return [k for k in kinds if k.active]


def score_parts(row: BranchRow, matrix: Matrix) -> dict[str, float]:
    """Each part 0..1. No meetings held: attendance 0. No reply due yet: replies 1. No open
    commitment: commitments 1."""
    rate = row.replies.get("on_time_rate")
    flagged = len(row.alerts)
    return {
        "meetings": matrix.meeting_rate(row.branch.id),
        "attendance": row.attendance.rate,
        "replies": 1.0 if rate is None else rate / 100,
        "commitments": 1 - flagged / row.open_commitments if row.open_commitments else 1.0,
    }


def _in(month: PeriodRange, quarter: PeriodRange) -> bool:
    return quarter.first <= month.first <= quarter.last


def trend_months(quarter: PeriodRange) -> list[PeriodRange]:
    """The six months ending with the quarter's last month."""
    year, month = quarter.last.year, quarter.last.month
    found = []
    for _ in range(TREND_MONTHS):
        found.append(month_range(year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return found[::-1]


def attendance_by_month(branch_ids, trend: list[PeriodRange]) -> dict[tuple[int, str], Counts]:
    """Present / expected (and on leave, absent, late) at closed meetings per branch and local
    month: ONE query adding up the counts each meeting froze when it was closed."""
    rows = db.session.execute(_monthly_counts_statement(), {
        "ids": list(branch_ids), "start": clock.local_datetime(trend[0].first),
        "end": clock.local_datetime(trend[-1].last + timedelta(days=1))})
    found: dict[tuple[int, str], Counts] = defaultdict(Counts)
    for branch_id, key, expected, present, late, on_leave in rows:
        expected, present, on_leave = int(expected or 0), int(present or 0), int(on_leave or 0)
        found[(branch_id, key)] = Counts(expected, present, on_leave,
                                         expected - present - on_leave, int(late or 0))
    return found


@cache
def _monthly_counts_statement():
    """Built once: only the bound values change from call to call."""
    moment = Meeting.starts_at.type
    # literal bounds: PostgreSQL needs the GROUP BY expression to equal the selected one
    month = func.substr(local_day(Meeting.starts_at), literal_column("1"), literal_column("7"))
    return (select(Meeting.branch_id, month, func.sum(Meeting.expected_count),
                   func.sum(Meeting.present_count), func.sum(Meeting.late_count),
                   func.sum(Meeting.leave_count))
            .where(Meeting.branch_id.in_(bindparam("ids", expanding=True)),
                   Meeting.status == MeetingStatus.CLOSED,
                   Meeting.starts_at >= bindparam("start", type_=moment),
                   Meeting.starts_at < bindparam("end", type_=moment))
            .group_by(Meeting.branch_id, month))


def _sum_counts(monthly, branch_id: int, keys: list[str]) -> Counts:
    total = Counts()
    for key in keys:
        one = monthly.get((branch_id, key))
        if one:
            total.expected += one.expected
            total.present += one.present
    return total


def _attendance_trends(branches, monthly, trend) -> list[Trend]:
    found = []
    for branch in branches:
        cells = [(f"{m.first.month}月", monthly.get((branch.id, m.key)) or Counts())
                 for m in trend]
        values = [100 * c.rate if c.expected else None for _, c in cells]
        found.append(Trend(branch, charts.line_chart(f"{branch.name}出勤率",
                                                     [label for label, _ in cells], values), cells))
    return found


def _reply_trend(trend, monthly):
    """Town-wide on-time reply rate per month from monthly_on_time()'s (on time, decided)."""
    cells = [(f"{month.first.month}月", on_time, decided,
              round(100 * on_time / decided) if decided else None)
             for month, (on_time, decided) in zip(trend, monthly)]
    chart = charts.line_chart("全镇意见按时答复率", [c[0] for c in cells], [c[3] for c in cells])
    return chart, cells


def open_opinion_counts(branch_ids) -> tuple[dict[int, int], dict[int, int]]:
    """Opinions waiting for a reply now, and of those the overdue ones: one grouped query."""
    rows = db.session.execute(_open_counts_statement(),
                              {"ids": list(branch_ids), "now": clock.now()}).all()
    return ({bid: n for bid, n, _ in rows}, {bid: int(late or 0) for bid, _, late in rows})


@cache
def _open_counts_statement():
    now = bindparam("now", type_=Opinion.due_at.type)
    return (select(Opinion.branch_id, func.count(), func.sum(case((Opinion.due_at < now, 1),
                                                                  else_=0)))
            .where(Opinion.branch_id.in_(bindparam("ids", expanding=True)),
                   Opinion.status == Status.OPEN)
            .group_by(Opinion.branch_id))


def _alerts_by_branch(alerts: list[CommitmentAlert]) -> dict[int, list[CommitmentAlert]]:
    found: dict[int, list[CommitmentAlert]] = defaultdict(list)
    for alert in alerts:
        found[alert.branch_id].append(alert)
    return found


# ---- 督办: supervisory notes on escalated opinions ---------------------------------------------
def notes_for(opinion_ids) -> dict[int, list[SupervisoryNote]]:
    ids = list(opinion_ids)
    found: dict[int, list[SupervisoryNote]] = defaultdict(list)
    if not ids:
        return found
    for note in db.session.scalars(select(SupervisoryNote).where(
            SupervisoryNote.opinion_id.in_(ids)).options(joinedload(SupervisoryNote.author))
            .order_by(SupervisoryNote.created_at)):
        found[note.opinion_id].append(note)
    return found


def add_note(actor, town: Organization, opinion: Opinion, text: str) -> SupervisoryNote:
    """The town adds a 督办 note; the branch secretary is told. Caller has checked rights."""
    text = (text or "").strip()
    if not 2 <= len(text) <= NOTE_MAX:
        raise NoteError(f"督办意见请写 2 到 {NOTE_MAX} 个字。")
    if not opinion.branch.path.startswith(town.path):
        raise NoteError("这条意见不属于本镇。")
    note = SupervisoryNote(opinion_id=opinion.id, town_id=town.id, author_id=actor.id, text=text)
    db.session.add(note)
    db.session.flush()
    secretary = branch_secretary_id(opinion.branch_id)
    if secretary:
        notify([secretary], "镇党委督办意见", text[:100], f"/opinions/{opinion.id}",
               kind="opinion")
    audit.record(actor, "opinion.supervise_note", "opinion", opinion.id,
                 org_id=opinion.branch_id, note_id=note.id)
    db.session.commit()
    return note


def opinion_notes_block(person, opinion: Opinion) -> dict:
    """What the opinion page shows of 督办: the notes, and the form for the town admin.
    One query (the rights come from the request's cached roles)."""
    town = next((t for t in towns_for(person) if opinion.branch.path.startswith(t.path)), None)
    return {"notes": notes_for([opinion.id]).get(opinion.id, []), "town": town,
            "can_add": town is not None and can(person, "town.oversee", opinion.branch)}


# ---- hooks --------------------------------------------------------------------------------------
def todo_items(person) -> list:
    """首页: escalated opinions of the admin's towns still waiting, with no 督办 note yet.
    One query."""
    from ..main.services import TodoItem

    towns = towns_for(person)
    if not towns:
        return []
    noted = select(SupervisoryNote.id).where(SupervisoryNote.opinion_id == Opinion.id).exists()
    waiting = db.session.scalars(
        select(Opinion).join(Organization, Organization.id == Opinion.branch_id)
        .where(or_(*[Organization.path.startswith(t.path) for t in towns]),
               Opinion.escalated_at.is_not(None),
               Opinion.status.in_((Status.OPEN, Status.ESCALATED)), ~noted)
        .options(contains_eager(Opinion.branch)).order_by(Opinion.escalated_at).limit(20))
    return [TodoItem(title=f"督办：{o.branch.village_name or o.branch.name}的群众意见",
                     link=f"/opinions/{o.id}#supervision", detail=f"{o.category} · 已上报镇党委",
                     due_at=o.escalated_at, urgent=True) for o in waiting]


def me_section(person):
    """我的: the town admin's way in to 镇级督查 (no query beyond the cached roles)."""
    towns = towns_for(person)
    if not towns:
        return None
    return "town/_me_section.html", {"towns": towns}
