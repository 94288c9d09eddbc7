"""Hand-over (交接): when people stop holding roles, what is open moves with the role.

`roles_ended()` is the one service every place that ends a role calls (换届, transfer,
deactivation, a roster edit that drops a role, death), in the same transaction, after the
`ended_on` dates are set and the new roles added. It works out who left which branch and who
took over, then lets each feature move its open work through the `features.roles_ended`
signal (opinions move to the new holder, meetings drop the leaver from
future meetings and add a newcomer to them). Rights granted through an object end by
themselves when the person leaves the branch (authz.can checks `extra_roles` against the
person's current roles).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from .. import clock
from ..extensions import db
from ..features import roles_ended as roles_ended_signal
from ..models import Membership, Organization, OrgKind, Role

# Whose role passes first to a new holder; when no one new holds it, the branch secretary.
SUCCESSION_ORDER = (Role.SECRETARY, Role.DEPUTY_SECRETARY, Role.ORGANIZER, Role.COMMITTEE,
                    Role.RECORDER)


def branch_of(org: Organization) -> Organization:
    return org.parent if org.kind == OrgKind.GROUP and org.parent is not None else org


@dataclass
class RoleChange:
    """Roles that just ended (and started), with everyone's roles as they now stand."""

    ended: list[Membership]
    started: list[Membership]
    on: date
    actor: object
    reason: str                                   # 换届, 组织关系转接, 停用 … (shown in notes)
    current: dict[int, list[Membership]] = field(default_factory=dict)  # person id -> roles now
    holders: dict[int, list[Membership]] = field(default_factory=dict)  # branch id -> roles now

    # ---- who changed where
    def ended_in(self) -> dict[tuple[int, int], set[str]]:
        """(person id, branch id) -> the roles that person ended in that branch."""
        found: dict[tuple[int, int], set[str]] = {}
        for m in self.ended:
            found.setdefault((m.person_id, branch_of(m.org).id), set()).add(m.role)
        return found

    def branches(self) -> dict[int, Organization]:
        return {branch_of(m.org).id: branch_of(m.org) for m in self.ended + self.started}

    def holds(self, person_id: int, branch_id: int, roles=None) -> bool:
        """Whether the person still holds a role (one of `roles`, or any) in the branch."""
        return any(branch_of(m.org).id == branch_id and (roles is None or m.role in roles)
                   for m in self.current.get(person_id, []))

    def left(self, person_id: int, branch_id: int) -> bool:
        return not self.holds(person_id, branch_id)

    def joined(self) -> list[tuple[int, Organization]]:
        """(person id, branch) for people who now hold a role in a branch they had none in."""
        ended = {(pid, bid) for pid, bid in self.ended_in()}
        found = {}
        for m in self.started:
            branch = branch_of(m.org)
            if (m.person_id, branch.id) not in ended:
                found[(m.person_id, branch.id)] = branch
        return [(pid, branch) for (pid, _), branch in found.items()]

    def successor(self, person_id: int, branch_id: int, roles) -> int | None:
        """Who now holds one of these roles in the branch (new holders first), else the
        branch secretary; never the person who left it."""
        rows = [m for m in self.holders.get(branch_id, []) if m.person_id != person_id]
        for role in [r for r in SUCCESSION_ORDER if r in roles] + [Role.SECRETARY]:
            found = sorted((m for m in rows if m.role == role),
                           key=lambda m: (m.started_on != self.on, m.id))
            if found:
                return found[0].person_id
        return None


def roles_ended(ended: list[Membership], *, on: date, actor, reason: str,
                started: list[Membership] = ()) -> RoleChange | None:
    """Hand over what the people of `ended` leave behind; the service that ended the roles
    commits. Two queries, then one or two per feature whatever the number of people."""
    if not ended:
        return None
    db.session.flush()
    change = RoleChange(list(ended), list(started), on, actor, reason)
    today = clock.today()
    is_current = or_(Membership.ended_on.is_(None), Membership.ended_on > today)
    people = {m.person_id for m in change.ended}
    for m in db.session.scalars(select(Membership).where(
            Membership.person_id.in_(people), is_current)
            .options(joinedload(Membership.org).joinedload(Organization.parent),
                     joinedload(Membership.person))):   # circles ask who is a party member
        change.current.setdefault(m.person_id, []).append(m)
    branches = change.branches()
    for m in db.session.scalars(select(Membership).where(
            Membership.org_id.in_(list(branches)), is_current,
            Membership.role.in_(SUCCESSION_ORDER))):
        change.holders.setdefault(m.org_id, []).append(m)
    roles_ended_signal.send(change)
    return change
