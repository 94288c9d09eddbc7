"""Who is who for the disclosures pages: a branch's members and two-committee members, and
what the 公开 tab shows a person."""
from __future__ import annotations

from sqlalchemy import select

from .. import authz, clock
from ..extensions import db
from ..models import Membership, Organization, Person, Role
from . import commitments as commitment_service
from . import decisions as decision_service
from . import reviews as review_service


def branch_people(branch: Organization) -> tuple[list[Person], set[int]]:
    """Active members of the branch (and its groups), and the ids of its 两委 members."""
    today = clock.today()
    rows = db.session.execute(
        select(Membership.role, Person).join(Person, Person.id == Membership.person_id)
        .join(Organization, Organization.id == Membership.org_id)
        .where(Organization.path.startswith(branch.path), Person.active.is_(True),
               Membership.role.in_(authz.MEMBER_ROLES),
               (Membership.ended_on.is_(None)) | (Membership.ended_on > today))).all()
    people = {person.id: person for _, person in rows}
    committee = {person.id for role, person in rows if role == Role.COMMITTEE}
    return sorted(people.values(), key=lambda p: p.name_pinyin), committee


def index_context(person, managed: list[Organization]) -> dict:
    """The 公开 tab: the way to the person's village page(s), own commitments, and for
    officers the branch's commitments, decisions and review rounds."""
    villages = _villages_of(person)
    managed_ids = [org.id for org in managed]
    return dict(
        villages=villages, managed=managed,
        pledge_branches=[v for v in villages if v.id not in managed_ids
                         and authz.can(person, "commitment.own", v)],
        my_commitments=commitment_service.branch_commitments(
            [v.id for v in villages] or [0], owner_id=person.id, with_history=False),
        commitments=commitment_service.branch_commitments(managed_ids, with_history=False)
        if managed else [],
        decisions=decision_service.branch_decisions(managed_ids) if managed else [],
        rounds=review_service.rounds_of(managed_ids) if managed else [],
        alerts=_town_alerts(person, villages))


def _town_alerts(person, villages) -> list:
    """For town staff: the town's commitments that are overdue or silent for over a month."""
    overseen = [v.id for v in villages if authz.can(person, "town.oversee", v)]
    return commitment_service.commitment_alerts(overseen) if overseen else []


def _villages_of(person) -> list[Organization]:
    """Branches with a public page the person belongs to (a town admin: the town's)."""
    found = {}
    for membership in authz.active_memberships(person):
        org = membership.org
        if org.kind == "group" and org.parent is not None:
            org = org.parent
        if org.slug:
            found[org.id] = org
        elif org.kind == "town":
            found.update({v.id: v for v in _town_villages(org)})
    return sorted(found.values(), key=lambda org: org.path)


def _town_villages(town: Organization) -> list[Organization]:
    return list(db.session.scalars(
        select(Organization).where(Organization.path.startswith(town.path),
                                   Organization.slug.is_not(None),
                                   Organization.active.is_(True))))

