"""The in-app inbox (消息) and the outward sender, for every feature."""
from collections.abc import Iterable

import time
from datetime import timedelta

from flask import current_app, g, has_app_context
from sqlalchemy import bindparam, func, select, update

from .. import clock
from ..authz import orgs_where
from ..extensions import db
from ..models import Notification, Organization, OutboundMessage, OutboxStatus
from .senders import _redact, default_webhook, post_to_robot


def notify(person_ids: Iterable[int], title: str, body: str = "", link: str | None = None,
           kind: str = "info") -> int:
    """Put a message in each person's inbox (the calling service commits). Returns how many."""
    rows = [dict(person_id=pid, title=title[:120], body=body, link=link, kind=kind,
                 created_at=clock.now()) for pid in set(person_ids)]
    if rows:
        db.session.execute(Notification.__table__.insert(), rows)
        _forget_unread_count()
    return len(rows)


# ---- the outbox -----------------------------------------------------------------------------
BACKOFF_MINUTES = (1, 2, 5, 10, 20, 30, 60)   # wait before try 2, 3, …; then hourly
LEASE = timedelta(minutes=5)                  # a claimed row is not claimed again meanwhile
BATCH = 20


def queue_for_branch_group(org, text: str) -> OutboundMessage:
    """Put a message for the branch's WeCom group in the outbox, in the caller's transaction
    (the caller commits, with the change it tells about). `org` may be a party group (its
    branch's robot) or the branch. The clock process sends it; without any robot (record
    sender) it is recorded as sent at once."""
    branch = _branch_of(org)
    webhook = branch_webhook(org) or default_webhook()
    now = clock.now()
    if webhook:
        row = OutboundMessage(channel="wecom", target=_redact(webhook)[:120], text=text,
                              status=OutboxStatus.QUEUED, next_try_at=now, delivered=False,
                              org_id=branch.id if branch is not None else None, created_at=now)
    else:
        row = OutboundMessage(channel="record", text=text, status=OutboxStatus.SENT,
                              delivered=True, sent_at=now, created_at=now,
                              org_id=branch.id if branch is not None else None)
    db.session.add(row)
    return row


def deliver_outbox(*, budget_seconds: float | None = None) -> dict:
    """The clock job: claim due messages (one conditional UPDATE), post them with no
    transaction open, then write every outcome in one statement. A failure waits longer each
    time (BACKOFF_MINUTES); a message still unsent after OUTBOX_GIVE_UP_MINUTES, or after
    OUTBOX_MAX_ATTEMPTS tries, is marked failed (its branch secretary sees it on 我的)."""
    config = current_app.config
    timeout = float(config.get("OUTBOX_POST_TIMEOUT", 10))
    give_up = timedelta(minutes=int(config.get("OUTBOX_GIVE_UP_MINUTES", 360)))
    max_attempts = int(config.get("OUTBOX_MAX_ATTEMPTS", 10))
    budget = budget_seconds if budget_seconds is not None else float(
        config.get("OUTBOX_RUN_SECONDS", 50))
    now = clock.now()
    due = select(OutboundMessage.id).where(
        OutboundMessage.status == OutboxStatus.QUEUED, OutboundMessage.next_try_at <= now
    ).order_by(OutboundMessage.next_try_at, OutboundMessage.id).limit(BATCH)
    claimed = list(db.session.scalars(
        update(OutboundMessage)
        .where(OutboundMessage.id.in_(due.scalar_subquery()),
               OutboundMessage.status == OutboxStatus.QUEUED,
               OutboundMessage.next_try_at <= now)
        .values(next_try_at=now + LEASE)
        .returning(OutboundMessage.id)
        .execution_options(synchronize_session=False)))
    db.session.commit()
    if not claimed:
        return {"sent": 0, "retry": 0, "failed": 0}
    rows = db.session.execute(
        select(OutboundMessage.id, OutboundMessage.text, OutboundMessage.created_at,
               OutboundMessage.attempts, Organization.wecom_webhook)
        .outerjoin(Organization, Organization.id == OutboundMessage.org_id)
        .where(OutboundMessage.id.in_(claimed)).order_by(OutboundMessage.id)).all()
    db.session.rollback()        # no transaction stays open while the robot answers
    fallback = default_webhook()
    started = time.monotonic()
    outcomes, counts = [], {"sent": 0, "retry": 0, "failed": 0}
    for row in rows:
        if time.monotonic() - started > budget:     # the rest wait for the next run
            outcomes.append(dict(row_id=row.id, status=OutboxStatus.QUEUED, attempts=row.attempts,
                                 next_try_at=clock.now(), delivered=False, sent_at=None,
                                 error=None))
            continue
        url = row.wecom_webhook or fallback
        error = post_to_robot(url, row.text, timeout) if url else "群机器人已停用，消息没有发出"
        attempts = row.attempts + 1
        at = clock.now()
        if error is None:
            counts["sent"] += 1
            outcomes.append(dict(row_id=row.id, status=OutboxStatus.SENT, attempts=attempts,
                                 next_try_at=None, delivered=True, sent_at=at, error=None))
            continue
        wait = timedelta(minutes=BACKOFF_MINUTES[min(attempts, len(BACKOFF_MINUTES)) - 1])
        final = (not url or attempts >= max_attempts
                 or at + wait - row.created_at > give_up)
        counts["failed" if final else "retry"] += 1
        outcomes.append(dict(row_id=row.id, status=OutboxStatus.FAILED if final else
                             OutboxStatus.QUEUED, attempts=attempts,
                             next_try_at=None if final else at + wait, delivered=False,
                             sent_at=None, error=error))
    _write_outcomes(outcomes)
    db.session.commit()
    return counts


def _write_outcomes(outcomes: list[dict]) -> None:
    """Every claimed row's outcome in one executemany UPDATE (error None keeps the last one)."""
    table = OutboundMessage.__table__
    db.session.execute(
        table.update().where(table.c.id == bindparam("row_id")).values(
            status=bindparam("status"), attempts=bindparam("attempts"),
            next_try_at=bindparam("next_try_at"), delivered=bindparam("delivered"),
            sent_at=bindparam("sent_at"),
            error=func.coalesce(bindparam("error", type_=table.c.error.type), table.c.error)),
        outcomes)


def failed_messages(branch_ids: Iterable[int], days: int = 14) -> list[OutboundMessage]:
    """Messages for these branches' groups that were given up on lately, newest first."""
    ids = list(branch_ids)
    if not ids:
        return []
    return list(db.session.scalars(
        select(OutboundMessage).where(OutboundMessage.org_id.in_(ids),
                                      OutboundMessage.status == OutboxStatus.FAILED,
                                      OutboundMessage.created_at >= clock.now() - timedelta(days=days))
        .order_by(OutboundMessage.created_at.desc(), OutboundMessage.id.desc()).limit(20)))


def recent_messages(branch_id: int, limit: int = 5) -> list[OutboundMessage]:
    return list(db.session.scalars(
        select(OutboundMessage).where(OutboundMessage.org_id == branch_id)
        .order_by(OutboundMessage.created_at.desc(), OutboundMessage.id.desc()).limit(limit)))


def me_section(person):
    """我的: a branch secretary (deputy, organiser) sees the group messages that did not go out."""
    branches = [org for org in orgs_where(person, "roster.manage") if org.kind != "town"]
    failed = failed_messages(org.id for org in branches) if branches else []
    if not failed:
        return None
    names = {org.id: org for org in branches}
    return "notify/_me_section.html", {"failed": failed, "branches": names}


def _branch_of(org):
    if org is None:
        return None
    return org.parent if org.kind == "group" and org.parent is not None else org


def branch_webhook(org) -> str:
    if org is None:
        return ""
    if org.wecom_webhook:
        return org.wecom_webhook
    parent = org.parent if org.kind == "group" else None
    return (parent.wecom_webhook or "") if parent is not None else ""


def _forget_unread_count() -> None:
    """The layout's badge count, read with the log-in query, is stale once the inbox changes."""
    if has_app_context():
        g.pop("unread_count", None)


def unread_count(person_id: int) -> int:
    return db.session.scalar(select(func.count(Notification.id)).where(
        Notification.person_id == person_id, Notification.read_at.is_(None))) or 0


def inbox(person_id: int, limit: int = 100) -> list[Notification]:
    return list(db.session.scalars(
        select(Notification).where(Notification.person_id == person_id)
        .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)))


def mark_all_read(person_id: int) -> None:
    db.session.execute(update(Notification).where(
        Notification.person_id == person_id, Notification.read_at.is_(None))
        .values(read_at=clock.now()))
    _forget_unread_count()
    db.session.commit()


def open_notification(person_id: int, notification_id: int) -> Notification | None:
    note = db.session.get(Notification, notification_id)
    if note is None or note.person_id != person_id:
        return None
    if note.read_at is None:
        note.read_at = clock.now()
        _forget_unread_count()
        db.session.commit()
    return note
