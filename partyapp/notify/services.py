"""The in-app inbox (消息) and the outward sender, for every feature."""
from collections.abc import Iterable

from flask import g, has_app_context
from sqlalchemy import func, select, update

from .. import clock
from ..extensions import db
from ..models import Notification
from .senders import WeComRobotSender, get_sender


def notify(person_ids: Iterable[int], title: str, body: str = "", link: str | None = None,
           kind: str = "info") -> int:
    """Put a message in each person's inbox (the calling service commits). Returns how many."""
    rows = [dict(person_id=pid, title=title[:120], body=body, link=link, kind=kind,
                 created_at=clock.now()) for pid in set(person_ids)]
    if rows:
        db.session.execute(Notification.__table__.insert(), rows)
        _forget_unread_count()
    return len(rows)


def send_outward(text: str, target: str = "") -> bool:
    """Tell a group outside the site through the configured sender (record, or WeCom robot)."""
    return get_sender().send(text, target)


def send_to_branch_group(org, text: str) -> bool:
    """Post to the branch's own WeCom group when it has set up its robot (an explicit opt-in,
    whatever NOTIFY_SENDER says); otherwise to the configured sender. `org` may be a party
    group or the branch itself: a group uses its branch's robot."""
    webhook = branch_webhook(org)
    if webhook:
        return WeComRobotSender("").send(text, webhook)
    return send_outward(text)


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
