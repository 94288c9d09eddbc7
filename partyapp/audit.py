"""The audit trail: services call `record(...)` in the same transaction as the change."""
import json

from .extensions import db
from .models import AuditEntry


def record(actor, action: str, entity: str, entity_id=None, *, org_id=None, **detail) -> None:
    db.session.add(AuditEntry(
        actor_id=getattr(actor, "id", actor), action=action, entity=entity, entity_id=entity_id,
        org_id=org_id, detail=json.dumps(detail, ensure_ascii=False, default=str) if detail else "",
    ))
