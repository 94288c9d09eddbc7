"""Hand-over of the opinion box (called by org.handover.roles_ended): an opinion still waiting
for its reply or its rating goes with the role. Its holder keeps it only while they may
still answer it: someone who left the branch, stopped being its secretary, or holds no role
that handles opinions there any more passes it to the new holder of the role (or the branch
secretary). Each move is a note in the opinion's history (audit trail); the reminder and
overdue notices are due again, so the sweep sends them to the new holder."""
from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from .. import audit
from ..authz import PERMISSIONS
from ..extensions import db
from ..models import Person, Role
from ..notify.services import notify
from .models import Opinion, Status

MOVING = (Status.OPEN, Status.REPLIED)   # a replied one reopens on a 不满意


def _must_pass_on(change, person_id: int, branch_id: int, ended_roles: set[str]) -> bool:
    handling = PERMISSIONS["opinion.handle"]
    if change.left(person_id, branch_id):
        return True
    if Role.SECRETARY in ended_roles and not change.holds(person_id, branch_id, {Role.SECRETARY}):
        return True
    return bool(ended_roles & handling) and not change.holds(person_id, branch_id, handling)


def hand_over(change) -> int:
    """Move the open opinions of everyone who passed on a role; returns how many moved."""
    targets = {}   # (person id, branch id) -> new holder id or None
    for (person_id, branch_id), roles in change.ended_in().items():
        if _must_pass_on(change, person_id, branch_id, roles):
            targets[(person_id, branch_id)] = change.successor(person_id, branch_id, roles)
    if not targets:
        return 0
    opinions = [o for o in db.session.scalars(select(Opinion).where(
        Opinion.assignee_id.in_({pid for pid, _ in targets}),
        Opinion.branch_id.in_({bid for _, bid in targets}), Opinion.status.in_(MOVING)))
        if (o.assignee_id, o.branch_id) in targets]
    if not opinions:
        return 0
    names = dict(db.session.execute(select(Person.id, Person.name).where(Person.id.in_(
        {pid for pid, _ in targets} | {t for t in targets.values() if t}))).all())
    received = Counter()
    for opinion in opinions:
        previous = opinion.assignee_id
        opinion.assignee_id = targets[(previous, opinion.branch_id)]
        if opinion.status == Status.OPEN:
            opinion.reminded_at = opinion.overdue_at = None   # due again, to the new holder
        if opinion.assignee_id:
            received[opinion.assignee_id] += 1
        audit.record(change.actor, "opinion.handover", "opinion", opinion.id,
                     org_id=opinion.branch_id, previous=previous, to=opinion.assignee_id,
                     note=f"{change.reason}：{names.get(previous, '')}不再办理，转交"
                          f"{names.get(opinion.assignee_id, '（书记空缺，待指定）')}")
    for person_id, count in received.items():
        notify([person_id], f"交接：{count}条群众意见转由您办理",
               f"{change.reason}后，原办理人的待办意见已转给您，答复期限不变。",
               link="/opinions/", kind="opinion")
    return len(opinions)
