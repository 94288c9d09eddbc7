"""承诺事项公开: commitments, their progress timeline, monthly asks, assessments, and the
figures other features read (kept counts for stars, alerts for the town)."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache

from sqlalchemy import Date, and_, bindparam, case, func, null, select, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from .. import audit, clock
from ..extensions import db
from ..models import Person
from .models import (Assessment, AssessmentLabels, Commitment, CommitmentAsk, CommitmentKind,
                     CommitmentLabels, CommitmentStatus, CommitmentUpdate, Verdict)


class CommitmentError(ValueError):
    """A change that may not be made; message is Chinese."""


@dataclass
class CommitmentInput:
    owner_id: int
    kind: str
    title: str
    content: str
    baseline: str
    target: str
    due_on: date
    decision_id: int | None = None


def month_start(day: date) -> date:
    return day.replace(day=1)


def one_month_before(moment: datetime) -> datetime:
    """The same wall-clock moment a calendar month earlier (31st → last day of the month)."""
    local = clock.to_local(moment)
    year, month = (local.year, local.month - 1) if local.month > 1 else (local.year - 1, 12)
    day = min(local.day, _days_in(year, month))
    return local.replace(year=year, month=month, day=day).astimezone(clock.UTC)


def _days_in(year: int, month: int) -> int:
    following = date(year + (month == 12), month % 12 + 1, 1)
    return (following - date(year, month, 1)).days


# ---- create and change -----------------------------------------------------------------------
def create_commitment(actor, branch, data: CommitmentInput, committee_ids: set[int]) -> Commitment:
    if data.kind in CommitmentKind.COMMITTEE_ONLY and data.owner_id not in committee_ids:
        raise CommitmentError("竞选施政纲领、履职宣言、任期目标、年度目标只能由“两委”成员承诺。")
    commitment = Commitment(branch_id=branch.id, **data.__dict__)
    db.session.add(commitment)
    db.session.flush()
    audit.record(actor, "commitment.create", "commitment", commitment.id, org_id=branch.id,
                 title=data.title, owner_id=data.owner_id, kind=data.kind,
                 due_on=data.due_on.isoformat())
    db.session.commit()
    return commitment


# ---- nobody judges their own promise -----------------------------------------------------------
VERDICT_STATUSES = (CommitmentStatus.KEPT, CommitmentStatus.PARTLY_KEPT, CommitmentStatus.NOT_KEPT)
WHO_JUDGES = "已兑现、部分兑现、未兑现和年度考核、任期评定由书记记录，书记本人的承诺由镇党委记录"


def status_problem(status: str, percent: int) -> str | None:
    """Status and percentage must agree; None when they do, else the Chinese reason."""
    if status == CommitmentStatus.NOT_STARTED and percent != 0:
        return f"状态是“未开始”，完成百分比应为 0，不能是 {percent}%。"
    if status == CommitmentStatus.KEPT and percent != 100:
        return f"“已兑现”要完成 100%，现在只填了 {percent}%。"
    if status == CommitmentStatus.PARTLY_KEPT and percent == 100:
        return "已完成 100%，应为“已兑现”，不是“部分兑现”。"
    return None


def _is_branch_secretary(person_id: int, branch_id: int) -> bool:
    from ..models import Membership, Role

    today = clock.today()
    return db.session.scalar(select(Membership.id).where(
        Membership.person_id == person_id, Membership.org_id == branch_id,
        Membership.role == Role.SECRETARY,
        (Membership.ended_on.is_(None)) | (Membership.ended_on > today)).limit(1)) is not None


def judge_problem(actor, commitment: Commitment) -> str | None:
    """Who may record a verdict on a commitment (已兑现 … or an assessment): someone other
    than its owner with the right — the branch secretary, or the town for the secretary's
    own commitments. None when `actor` may; else the Chinese reason."""
    from .. import authz
    from ..models import Organization

    branch = db.session.get(Organization, commitment.branch_id)
    if actor.id == commitment.owner_id:
        return f"不能给自己的承诺下结论：{WHO_JUDGES}。请先如实填写进展。"
    if _is_branch_secretary(commitment.owner_id, commitment.branch_id):
        if not authz.can(actor, "town.oversee", branch):
            return "这是书记本人的承诺，结论由镇党委记录。"
    elif not authz.can(actor, "commitment.judge", branch):
        return f"没有记录结论的权限：{WHO_JUDGES}。"
    return None


def progress_problem(actor, commitment: Commitment, percent: int, status: str) -> str | None:
    """Why this progress entry may not be saved (None: it may)."""
    if status not in CommitmentStatus.LABELS or not 0 <= percent <= 100:
        return "进展或状态不正确。"
    problem = status_problem(status, percent)
    if problem is None and status != commitment.status and (
            status in VERDICT_STATUSES or commitment.status in VERDICT_STATUSES):
        problem = judge_problem(actor, commitment)
    return problem


def add_progress(actor, commitment: Commitment, text: str, percent: int, status: str,
                 photo: str | None = None) -> CommitmentUpdate:
    """The owner (or an officer) reports progress. Moving into or out of a verdict status
    (已兑现 …) is a verdict: someone else with the right records it."""
    problem = progress_problem(actor, commitment, percent, status)
    if problem:
        raise CommitmentError(problem)
    now = clock.now()
    update = CommitmentUpdate(commitment_id=commitment.id, author_id=actor.id, at=now,
                              text=text, percent=percent, status=status, photo=photo)
    db.session.add(update)
    before = (commitment.status, commitment.percent)
    commitment.status, commitment.percent = status, percent
    commitment.progress_at = commitment.updated_at = now
    db.session.flush()
    audit.record(actor, "commitment.progress", "commitment", commitment.id,
                 org_id=commitment.branch_id, update_id=update.id,
                 status_from=before[0], status_to=status, percent_from=before[1],
                 percent_to=percent, photo=bool(photo))
    db.session.commit()
    return update


def record_assessment(actor, commitment: Commitment, kind: str, period: int, verdict: str,
                      reasons: str) -> Assessment:
    if kind not in Assessment.KIND_LABELS or verdict not in Verdict.LABELS:
        raise CommitmentError("考核类型或结论不正确。")
    problem = judge_problem(actor, commitment)
    if problem:
        raise CommitmentError(problem)
    assessment = Assessment(commitment_id=commitment.id, kind=kind, period=period,
                            verdict=verdict, reasons=reasons, recorded_by_id=actor.id)
    db.session.add(assessment)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise CommitmentError(f"{period}年的{Assessment.KIND_LABELS[kind]}已经记录过了。")
    commitment.updated_at = clock.now()
    audit.record(actor, f"commitment.assess.{kind}", "commitment", commitment.id,
                 org_id=commitment.branch_id, period=period, verdict=verdict, reasons=reasons)
    db.session.commit()
    return assessment


# ---- reading ---------------------------------------------------------------------------------
def branch_commitments(branch_ids, owner_id: int | None = None, *,
                       with_history: bool = True) -> list[Commitment]:
    """The branches' commitments with their owners; with_history also loads every progress
    update and the decision (pages that list titles only skip them)."""
    options = [selectinload(Commitment.owner)]
    if with_history:
        options += [selectinload(Commitment.updates), selectinload(Commitment.decision)]
    query = (select(Commitment).where(Commitment.branch_id.in_(list(branch_ids)))
             .options(*options).order_by(Commitment.due_on, Commitment.id))
    if owner_id is not None:
        query = query.where(Commitment.owner_id == owner_id)
    return list(db.session.scalars(query))


# ---- the public poster -------------------------------------------------------------------------
@dataclass(slots=True)
class PosterLine(CommitmentLabels):
    """A commitment as the public poster table, the person filter and the stale marks read it:
    plain columns, without the text bodies and the progress history."""

    id: int
    owner_id: int
    owner_name: str
    owner_pinyin: str
    kind: str
    title: str
    target: str
    due_on: date
    status: str
    percent: int
    last_progress_at: datetime
    updated_at: datetime


def poster_lines(branch_id: int, *, finished_only: bool = False) -> list[PosterLine]:
    """Every commitment of the branch, in due order, as plain rows (one query). The poster
    lists them all; as ORM objects with their history they cost several times more.
    finished_only: the results tab's — closed, or assessed while still open (年度考核)."""
    query = (
        select(Commitment.id, Commitment.owner_id, Person.name, Person.name_pinyin,
               Commitment.kind, Commitment.title, Commitment.target, Commitment.due_on,
               Commitment.status, Commitment.percent,
               func.coalesce(Commitment.progress_at, Commitment.created_at),
               Commitment.updated_at)
        .join(Person, Person.id == Commitment.owner_id)
        .where(Commitment.branch_id == branch_id).order_by(Commitment.due_on, Commitment.id))
    if finished_only:
        assessed = select(Assessment.id).where(Assessment.commitment_id == Commitment.id)
        query = query.where(Commitment.status.not_in(CommitmentStatus.OPEN) | assessed.exists())
    return [PosterLine(*row) for row in db.session.execute(query)]


@dataclass(slots=True)
class AssessmentLine(AssessmentLabels):
    """An assessment as the public results tab shows it (plain columns)."""

    commitment_id: int
    kind: str
    period: int
    verdict: str
    reasons: str


def assessments_of(commitment_ids) -> dict[int, list[AssessmentLine]]:
    """These commitments' assessments by commitment, by kind then period (one query)."""
    found = defaultdict(list)
    ids = list(commitment_ids)
    if not ids:
        return found
    rows = db.session.execute(
        select(Assessment.commitment_id, Assessment.kind, Assessment.period, Assessment.verdict,
               Assessment.reasons).where(Assessment.commitment_id.in_(ids))
        .order_by(Assessment.kind, Assessment.period))
    for row in rows:
        found[row.commitment_id].append(AssessmentLine(*row))
    return found


def stale_ids(commitments, now: datetime | None = None) -> set[int]:
    """Ids of the open ones without a progress update for over a month (the cutoff computed
    once, not per commitment)."""
    cutoff = one_month_before(now or clock.now())
    return {c.id for c in commitments if c.is_open and c.last_progress_at < cutoff}


def with_history(commitment_ids) -> list[Commitment]:
    """These commitments in due order, each with its owner, decision and every progress update
    (two queries): the cards of one public page."""
    ids = list(commitment_ids)
    if not ids:
        return []
    return list(db.session.scalars(
        select(Commitment).where(Commitment.id.in_(ids))
        .options(joinedload(Commitment.owner), joinedload(Commitment.decision),
                 selectinload(Commitment.updates))
        .order_by(Commitment.due_on, Commitment.id)))


# ---- 一月一督查 --------------------------------------------------------------------------------
def ask_for_progress() -> list[int]:
    """Ask each owner of an open commitment for this month's progress — once per commitment
    and month. One INSERT … SELECT claims the month's rows; the unique (commitment, month)
    makes a second clock or a rerun a no-op. After downtime it asks once, for this month."""
    now = clock.now()
    month = month_start(clock.local_date(now))
    already = select(CommitmentAsk.id).where(CommitmentAsk.commitment_id == Commitment.id,
                                              CommitmentAsk.month == month)
    due = select(Commitment.id, month_literal(month), now_literal(now)).where(
        Commitment.status.in_(CommitmentStatus.OPEN), ~already.exists())
    statement = (CommitmentAsk.__table__.insert()
                 .from_select(["commitment_id", "month", "asked_at"], due)
                 .returning(CommitmentAsk.__table__.c.commitment_id))
    try:
        claimed = [row[0] for row in db.session.execute(statement)]
    except IntegrityError:   # another clock claimed this month at the same moment
        db.session.rollback()
        return []
    _notify_owners(claimed, month)
    db.session.commit()
    return claimed


def month_literal(month: date):
    from sqlalchemy import Date, literal

    return literal(month, Date)


def now_literal(now: datetime):
    from sqlalchemy import literal

    from ..models import UTCDateTime

    return literal(now, UTCDateTime)


def _notify_owners(commitment_ids: list[int], month: date) -> None:
    if not commitment_ids:
        return
    from ..notify.services import notify

    rows = db.session.execute(select(Commitment.id, Commitment.owner_id, Commitment.title)
                              .where(Commitment.id.in_(commitment_ids))).all()
    for commitment_id, owner_id, title in rows:
        notify([owner_id], f"请更新承诺进展：{title}"[:120],
               f"{month.month}月的一月一督查：请填写本月进展。", f"/disclosures/c/{commitment_id}",
               kind="commitment.ask")


# ---- figures for other features ----------------------------------------------------------------
@dataclass
class KeptCount:
    due: int = 0
    kept: int = 0


def commitments_kept(person_ids, year: int) -> dict[int, KeptCount]:
    """Per person: commitments due in `year`, and how many of them are kept (已兑现).
    One grouped query; people with none get KeptCount(0, 0)."""
    ids = list(person_ids)
    start, end = date(year, 1, 1), date(year, 12, 31)
    kept = func.sum(case((Commitment.status == CommitmentStatus.KEPT, 1), else_=0))
    rows = db.session.execute(
        select(Commitment.owner_id, func.count(Commitment.id), kept)
        .where(Commitment.owner_id.in_(ids), Commitment.due_on.between(start, end))
        .group_by(Commitment.owner_id)).all()
    result = {pid: KeptCount() for pid in ids}
    for owner_id, due, kept_count in rows:
        result[owner_id] = KeptCount(due=due, kept=int(kept_count or 0))
    return result


@dataclass
class CommitmentAlert:
    commitment_id: int
    branch_id: int
    owner_name: str
    title: str
    due_on: date
    last_update_at: datetime | None
    overdue: bool
    stale: bool

    @property
    def reasons(self) -> list[str]:
        return (["已逾期"] if self.overdue else []) + (["超过一个月未更新"] if self.stale else [])


def commitment_alerts(org_ids) -> list[CommitmentAlert]:
    """Open commitments of these branches that are overdue or have had no update for over a
    month (town dashboard). One query."""
    return commitment_figures(org_ids)[1]


def commitment_figures(org_ids) -> tuple[dict[int, int], list[CommitmentAlert]]:
    """Open commitments per branch, and the alerts among them (town dashboard). One
    statement: the alert rows, then (UNION ALL) one counting row per branch."""
    now, today = clock.now(), clock.today()
    cutoff = one_month_before(now)
    counts: dict[int, int] = {}
    alerts = []
    for cid, bid, name, title, due, progress_at, seen, open_count in db.session.execute(
            _figures_statement(), {"org_ids": list(org_ids), "today": today, "cutoff": cutoff}):
        if cid is None:
            counts[bid] = open_count
        else:
            alerts.append(CommitmentAlert(cid, bid, name, title, due, progress_at, due < today,
                                          seen < cutoff))
    alerts.sort(key=lambda a: (a.due_on, a.commitment_id))
    return counts, alerts


@cache
def _figures_statement():
    """Built once (the town dashboard asks on every tab that scores): the alert rows, then
    (UNION ALL) one counting row per branch; only the bound values change."""
    last = func.coalesce(Commitment.progress_at, Commitment.created_at)
    is_open = and_(Commitment.branch_id.in_(bindparam("org_ids", expanding=True)),
                   Commitment.status.in_(CommitmentStatus.OPEN))
    alert_rows = (select(Commitment.id, Commitment.branch_id, Person.name, Commitment.title,
                         Commitment.due_on, Commitment.progress_at, last, null())
                  .join(Person, Person.id == Commitment.owner_id)
                  .where(is_open, (Commitment.due_on < bindparam("today", type_=Date()))
                         | (last < bindparam("cutoff", type_=Commitment.created_at.type))))
    count_rows = (select(null(), Commitment.branch_id, null(), null(), null(), null(), null(),
                         func.count())
                  .where(is_open).group_by(Commitment.branch_id))
    return union_all(alert_rows, count_rows)


def progress_due_for(person_id: int) -> list[tuple[int, str]]:
    """Commitments asked this month whose owner has not updated since the month began."""
    month = month_start(clock.today())
    since = clock.local_datetime(month)
    rows = db.session.execute(
        select(Commitment.id, Commitment.title)
        .join(CommitmentAsk, and_(CommitmentAsk.commitment_id == Commitment.id,
                                  CommitmentAsk.month == month))
        .where(Commitment.owner_id == person_id, Commitment.status.in_(CommitmentStatus.OPEN),
               (Commitment.progress_at.is_(None)) | (Commitment.progress_at < since))
        .order_by(Commitment.due_on)).all()
    return [(cid, title) for cid, title in rows]
