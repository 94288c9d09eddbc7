"""What the branch records by hand: manual scores and deductions, service hours, exemptions.
Each is revoked with a reason, never deleted; every change is audited."""
from __future__ import annotations

from datetime import date

from .. import audit, clock
from ..extensions import db
from ..models import Organization
from .models import Exemption, ItemKind, RubricItem, ScoreEntry, ServiceHours
from .scoring import ensure_branch_rubric

REVOCABLE = {"entry": ScoreEntry, "hours": ServiceHours, "exemption": Exemption}


def branch_item(actor, branch: Organization, year: int, position: int) -> RubricItem | None:
    """The branch's own item at `position` (the rubric is copied from the town on first use)."""
    rubric = ensure_branch_rubric(actor, branch, year)
    return next((item for item in rubric.items if item.position == position), None)


def add_entry(actor, branch: Organization, item: RubricItem, person_id: int, points: int,
              reason: str) -> ScoreEntry | str:
    if item.kind not in (ItemKind.MANUAL, ItemKind.DEDUCTION):
        return "这一项由系统自动计分，不能手工录入"
    if not 1 <= points <= item.max_points:
        return f"分值应在 1 到 {item.max_points} 之间"
    entry = ScoreEntry(item_id=item.id, person_id=person_id, points=points, reason=reason,
                       entered_by_id=getattr(actor, "id", None))
    db.session.add(entry)
    db.session.flush()
    audit.record(actor, "rating.entry_add", "rating_entry", entry.id, org_id=branch.id,
                 person_id=person_id, item=item.label, points=points, reason=reason)
    db.session.commit()
    return entry


def add_hours(actor, branch: Organization, person_id: int, served_on: date, hours: float,
              description: str) -> ServiceHours | str:
    if served_on > clock.today():
        return "服务日期不能晚于今天"
    if not 0 < hours <= 24:
        return "时长应在 0 到 24 小时之间"
    row = ServiceHours(branch_id=branch.id, person_id=person_id, served_on=served_on,
                       hours=hours, description=description,
                       entered_by_id=getattr(actor, "id", None))
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "rating.hours_add", "rating_service_hours", row.id, org_id=branch.id,
                 person_id=person_id, served_on=served_on, hours=hours, description=description)
    db.session.commit()
    return row


def add_exemption(actor, branch: Organization, item: RubricItem, person_id: int,
                  decision_text: str, decided_on: date) -> Exemption | str:
    if item.kind == ItemKind.DEDUCTION:
        return "红线扣分项不能免除"
    row = Exemption(item_id=item.id, person_id=person_id, decision_text=decision_text,
                    decided_on=decided_on, entered_by_id=getattr(actor, "id", None))
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "rating.exemption_add", "rating_exemption", row.id, org_id=branch.id,
                 person_id=person_id, item=item.label, decision=decision_text,
                 decided_on=decided_on)
    db.session.commit()
    return row


def revoke(actor, kind: str, row, branch: Organization, reason: str) -> str | None:
    if row.revoked_at is not None:
        return "这条记录已经撤销"
    row.revoked_at, row.revoked_by_id, row.revoke_reason = clock.now(), actor.id, reason
    audit.record(actor, f"rating.{kind}_revoke", REVOCABLE[kind].__tablename__, row.id,
                 org_id=branch.id, person_id=row.person_id, reason=reason)
    db.session.commit()
    return None


def hours_of(person_id: int, year: int) -> list[ServiceHours]:
    from sqlalchemy import select

    return list(db.session.scalars(
        select(ServiceHours).where(ServiceHours.person_id == person_id,
                                   ServiceHours.served_on.between(date(year, 1, 1),
                                                                  date(year, 12, 31)))
        .order_by(ServiceHours.served_on.desc())))


def row_in_branch(kind: str, row_id: int, branch: Organization):
    """A revocable row of this branch, or None (wrong kind, missing, other branch)."""
    model = REVOCABLE.get(kind)
    row = db.session.get(model, row_id) if model is not None else None
    if row is None:
        return None
    org_id = row.branch_id if kind == "hours" else row.item.rubric.org_id
    return row if org_id == branch.id else None
