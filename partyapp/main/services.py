"""首页: the to-do list gathers what needs the person now from every feature; /healthz."""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, text

from .. import clock
from ..extensions import db
from ..features import registry
from .layout import is_care_mode  # noqa: F401  (pages that adapt to 长辈版)
from ..models import Heartbeat


@dataclass
class TodoItem:
    """One line of the 首页 list. Features return these from `services.todo_items(person)`.
    `detail` is the line people read (say the deadline there in words); `due_at` only orders
    the list, soonest first, after the urgent ones."""

    title: str
    link: str
    detail: str = ""
    due_at: datetime | None = None
    urgent: bool = False


def todo_items(person) -> list[TodoItem]:
    """Every feature's lines (its declared `todo_items`), urgent first, then soonest due."""
    items: list[TodoItem] = registry().todo_items(person)
    far = clock.now().replace(year=9999)
    return sorted(items, key=lambda item: (not item.urgent, item.due_at or far))


def me_sections(person) -> list[tuple[str, dict]]:
    """Blocks of the 我的 page: each feature may declare `me_section(person)` returning
    (template, context) or None — the e-card's stars, the personal check-in code, …
    A context with `identity: True` is the person's card: it comes first and replaces the
    plain name block."""
    sections = registry().me_sections(person)
    return sorted(sections, key=lambda section: not section[1].get("identity"))


def health(max_heartbeat_age) -> tuple[dict, int]:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # any driver error means the database is unreachable
        db.session.rollback()
        return {"status": "down", "reasons": ["数据库无法连接"], "database": "down"}, 503
    reasons = []
    beat = db.session.scalar(select(Heartbeat.beat_at).where(Heartbeat.name == "clock"))
    if beat is None:
        reasons.append("scheduler has never run")
    elif clock.now() - beat > max_heartbeat_age:
        reasons.append(f"scheduler heartbeat is stale (last {beat.isoformat()})")
    body = {"status": "degraded" if reasons else "ok", "reasons": reasons, "database": "ok",
            "scheduler_heartbeat": beat.isoformat() if beat else None}
    return body, 200


def clock_heartbeat() -> None:
    """The clock process's own job: /healthz reads when it last ran."""
    beat("clock")


def beat(name: str = "clock") -> None:
    """Called by the clock process on every tick."""
    row = db.session.get(Heartbeat, name)
    if row is None:
        db.session.add(Heartbeat(name=name, beat_at=clock.now()))
    else:
        row.beat_at = clock.now()
    db.session.commit()
