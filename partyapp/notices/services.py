"""公示, one service for every feature that announces results (评星定级 and 满意度测评 today;
民主评议党员, 述职评议, 两委 民主评议 later): a notice keyed by branch, year and subject, open for
a number of working days, with objections lodged during the period and answered.

Only one open notice per branch, year and subject: a second cannot be published while one is
open (a corrected one can follow once the period is over). Objections belong to the notice they
were lodged against.

The feature that publishes adds its own snapshot rows (and tells its members) in the same
transaction: `publish`, `lodge_objection` and `answer_objection` write and flush, and the
calling feature's service commits.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import audit, clock
from ..extensions import db
from ..models import Organization
from .models import Notice, NoticeObjection

DEFAULT_NOTICE_DAYS = 5


def open_notice(branch_id: int, year: int, subject: str) -> Notice | None:
    return db.session.scalar(select(Notice).where(
        Notice.branch_id == branch_id, Notice.year == year, Notice.subject == subject,
        Notice.ends_on >= clock.today()).order_by(Notice.id.desc()).limit(1))


def publish(actor, branch_id: int, year: int, subject: str, title: str,
            notice_days: int = DEFAULT_NOTICE_DAYS) -> Notice | str:
    if not 1 <= notice_days <= 30:
        return "公示期应为 1 到 30 个工作日"
    _lock_branch(branch_id)
    already = open_notice(branch_id, year, subject)
    if already is not None:
        return f"这项公示还在公示期内（至 {already.ends_on.isoformat()}），期满后才能重新公示"
    today = clock.today()
    notice = Notice(branch_id=branch_id, year=year, subject=subject, title=title,
                    published_on=today, notice_days=notice_days,
                    ends_on=clock.add_working_days(today, notice_days), published_by_id=actor.id)
    db.session.add(notice)
    db.session.flush()
    audit.record(actor, "notice.publish", "notice", notice.id, org_id=branch_id, year=year,
                 subject=subject, ends_on=notice.ends_on)
    return notice


def _lock_branch(branch_id: int) -> None:
    """Two secretaries publishing at once: the second waits for the first, then sees its notice
    (PostgreSQL row lock; SQLite lets one writer at a time anyway)."""
    db.session.execute(select(Organization.id).where(Organization.id == branch_id)
                       .with_for_update())


def notice_by_id(notice_id: int) -> Notice | None:
    return db.session.get(Notice, notice_id)


def latest(branch_id: int, subject: str, year: int | None = None) -> Notice | None:
    query = select(Notice).where(Notice.branch_id == branch_id, Notice.subject == subject)
    if year is not None:
        query = query.where(Notice.year == year)
    return db.session.scalar(query.order_by(Notice.published_at.desc(), Notice.id.desc())
                             .limit(1))


def lodge_objection(person, notice: Notice, reason: str) -> NoticeObjection | str:
    if not notice.is_open(clock.today()):
        return "公示期已结束，结果已经确定，不能再提出异议"
    objection = NoticeObjection(notice_id=notice.id, person_id=person.id, reason=reason)
    db.session.add(objection)
    db.session.flush()
    audit.record(person, "notice.objection_lodge", "notice_objection", objection.id,
                 org_id=notice.branch_id, reason=reason)
    return objection


def answer_objection(actor, objection: NoticeObjection, answer: str) -> str | None:
    if objection.answered_at is not None:
        return "这条异议已经答复过了"
    objection.answer, objection.answered_at = answer, clock.now()
    objection.answered_by_id = actor.id
    audit.record(actor, "notice.objection_answer", "notice_objection", objection.id,
                 org_id=objection.notice.branch_id, answer=answer)
    return None


def objection_by_id(objection_id: int) -> NoticeObjection | None:
    return db.session.get(NoticeObjection, objection_id)


def objections_of(notice_id: int) -> list[NoticeObjection]:
    return list(db.session.scalars(
        select(NoticeObjection).where(NoticeObjection.notice_id == notice_id)
        .options(selectinload(NoticeObjection.person)).order_by(NoticeObjection.lodged_at)))


def objections_to_answer(branch_ids, subject_prefix: str = "") -> list[NoticeObjection]:
    if not branch_ids:
        return []
    return list(db.session.scalars(
        select(NoticeObjection).join(Notice)
        .where(Notice.branch_id.in_(list(branch_ids)), NoticeObjection.answered_at.is_(None),
               Notice.subject.startswith(subject_prefix))
        .options(selectinload(NoticeObjection.person), selectinload(NoticeObjection.notice))
        .order_by(NoticeObjection.lodged_at)))
