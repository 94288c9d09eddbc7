"""The opinion sweep: one periodic job, not one job per opinion.

Each kind of action is claimed by ONE set-based conditional statement
(`UPDATE opinion SET reminded_at = :now WHERE reminded_at IS NULL AND … RETURNING …`), so it
happens exactly once whatever the number of opinions, however often the sweep runs, after a
clock that was down for days (it catches up once) and with two clock processes (the second
waits on SQLite's write lock and then finds nothing to claim; on PostgreSQL a transaction-level
advisory lock keeps it idle). All of it is one transaction (sweep() commits it): a failure
claims nothing. The clock runs it through jobs.py.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime

from sqlalchemy import Date, and_, case, func, insert, literal, select, text, update

from .. import audit, clock
from ..extensions import db
from ..models import Membership, Notification, Organization, Role, UTCDateTime
from ..notify.services import queue_for_branch_group
from .models import Opinion, OpinionDigest, Status
from .services import town_admin_ids

SWEEP_LOCK_KEY = 7_311_004   # pg advisory lock id of the opinion sweep
DIGEST_HOUR = 8              # the daily digest goes out on the first sweep after 08:00 China


def sweep() -> dict:
    """Remind, mark overdue, escalate, send digests. Returns what it did (counts)."""
    now = clock.now()
    if not _take_lock():
        db.session.rollback()
        return {"skipped": True}
    remind_until = clock.end_of_local_day(clock.add_working_days(clock.local_date(now), 1))
    done = {
        "reminded": _remind(_claim(Opinion.reminded_at, now, Opinion.due_at <= remind_until,
                                   Opinion.due_at > now)),
        "overdue": _tell_overdue(_claim(Opinion.overdue_at, now, Opinion.due_at < now)),
        "escalated": _escalate(_claim(Opinion.escalated_at, now, Opinion.due_at < now,
                                      Opinion.overdue_at.is_not(None))),
        "digests": _send_digests(now),
    }
    if any(done.values()):
        audit.record(None, "opinion.sweep", "opinion", None, **done)
    db.session.commit()
    return done


def _take_lock() -> bool:
    if db.engine.dialect.name != "postgresql":
        return True  # SQLite serialises writers; the conditional updates do the rest
    return bool(db.session.execute(text("SELECT pg_try_advisory_xact_lock(:key)"),
                                   {"key": SWEEP_LOCK_KEY}).scalar())


def _claim(column, now: datetime, *conditions) -> list:
    """Set `column` to now on every open opinion where it is still NULL and the conditions
    hold; returns (id, branch_id, assignee_id) of the rows this call claimed."""
    statement = (update(Opinion)
                 .where(Opinion.status == Status.OPEN, column.is_(None), *conditions)
                 .values({column: now})
                 .returning(Opinion.id, Opinion.branch_id, Opinion.assignee_id)
                 .execution_options(synchronize_session=False))
    return db.session.execute(statement).all()


def _insert_notes(rows: list[dict]) -> None:
    if rows:
        now = clock.now()
        db.session.execute(insert(Notification), [dict(row, created_at=now, kind="opinion")
                                                  for row in rows])


def _remind(claimed) -> int:
    per_person = Counter(row.assignee_id for row in claimed if row.assignee_id)
    _insert_notes([dict(person_id=pid, title=f"{n}条群众意见明天前要答复",
                        body="答复期限只剩1个工作日，请尽快答复。", link="/")
                   for pid, n in per_person.items()])
    return len(claimed)


def _tell_overdue(claimed) -> int:
    per_person = Counter(row.assignee_id for row in claimed if row.assignee_id)
    _insert_notes([dict(person_id=pid, title=f"{n}条群众意见已逾期",
                        body="已超过5个工作日答复期限，已报镇党委。", link="/")
                   for pid, n in per_person.items()])
    return len(claimed)


def _escalate(claimed) -> int:
    if not claimed:
        return 0
    per_branch = Counter(row.branch_id for row in claimed)
    branches = _branches(per_branch)
    admins = town_admin_ids({b.town_id for b in branches.values()})
    notes = []
    for branch_id, n in per_branch.items():
        branch = branches[branch_id]
        message = f"{branch.name}有{n}条群众意见超过5个工作日未答复"
        notes += [dict(person_id=pid, title=message, body="请督促办理。",
                       link=f"/opinions/branch/{branch_id}")
                  for pid in admins.get(branch.town_id, [])]
        queue_for_branch_group(branch, f"【意见逾期】{message}，已上报镇党委。")
    _insert_notes(notes)
    return len(claimed)


def _branches(ids) -> dict[int, Organization]:
    return {org.id: org for org in db.session.scalars(
        select(Organization).where(Organization.id.in_(list(ids))))}


def _send_digests(now: datetime) -> int:
    local = clock.to_local(now)
    if local.hour < DIGEST_HOUR:
        return 0
    claimed = _claim_digest_branches(local.date(), now)
    if not claimed:
        return 0
    counts = _open_counts(claimed, now)
    secretaries = _secretaries(claimed)
    branches = _branches(claimed)
    notes = []
    for branch_id in claimed:
        open_count, overdue = counts.get(branch_id, (0, 0))
        message = f"今日意见箱：待答复{open_count}条，其中已逾期{overdue}条"
        notes += [dict(person_id=pid, title=message, body="",
                       link=f"/opinions/branch/{branch_id}")
                  for pid in secretaries.get(branch_id, [])]
        queue_for_branch_group(branches.get(branch_id), f"【意见箱日报】{message}。")
    _insert_notes(notes)
    return len(claimed)


def _claim_digest_branches(day, now: datetime) -> list[int]:
    """One INSERT … SELECT: a digest row for every branch with open opinions that has none
    today. The primary key (branch_id, day) makes a second claim impossible."""
    already = select(OpinionDigest.branch_id).where(
        and_(OpinionDigest.branch_id == Organization.id, OpinionDigest.day == day))
    has_open = select(Opinion.id).where(Opinion.branch_id == Organization.id,
                                        Opinion.status == Status.OPEN)
    source = (select(Organization.id, literal(day, Date), literal(now, UTCDateTime))
              .where(has_open.exists(), ~already.exists()))
    statement = (insert(OpinionDigest)
                 .from_select(["branch_id", "day", "sent_at"], source)
                 .returning(OpinionDigest.branch_id))
    return [row.branch_id for row in db.session.execute(statement)]


def _open_counts(branch_ids, now: datetime) -> dict[int, tuple[int, int]]:
    rows = db.session.execute(
        select(Opinion.branch_id, func.count(Opinion.id),
               func.sum(case((Opinion.due_at < now, 1), else_=0)))
        .where(Opinion.branch_id.in_(branch_ids), Opinion.status == Status.OPEN)
        .group_by(Opinion.branch_id)).all()
    return {branch_id: (total, int(overdue or 0)) for branch_id, total, overdue in rows}


def _secretaries(branch_ids) -> dict[int, list[int]]:
    today = clock.today()
    rows = db.session.execute(select(Membership.org_id, Membership.person_id).where(
        Membership.org_id.in_(branch_ids), Membership.role == Role.SECRETARY,
        (Membership.ended_on.is_(None)) | (Membership.ended_on > today))).all()
    found = defaultdict(list)
    for org_id, person_id in rows:
        found[org_id].append(person_id)
    return found

