"""Who a meeting expects (应到): the circle of each kind of meeting, and who is exempted.

A kind names its circle (MeetingKind.circle, a row the town may change); a meeting of several
kinds (主题党日 with a 党课) expects the union of their circles. The circle is a set of parts,
each "these roles, held inside the meeting's organisation", some only for party members:

- 支部党员大会, 党课, 主题党日: every party member of the branch (正式 and 预备);
- 支部委员会: the branch committee (书记, 副书记, 组织委员, 宣传委员, 纪检委员, 委员);
- 党小组会: the party group's members (the meeting is held by the group);
- 班子联席会议: both committees (the branch committee and the 两委成员) and the
  collective-economy leaders, party members or not (seed 001 二(二));
- 党群联席会议: every member and the representatives (村民, 股东, 异地务工人员代表);
- 村民代表会议: the villager representatives only.

People the planner invites beyond the circle, and a host or recorder from outside it (the
记录人 at a committee meeting), are 列席: on the list, never counted in 应到, never 缺席.
Services, the hand-over and the decisions' vote base all ask here.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, or_, select

from .. import clock
from ..authz import MEMBER_ROLES
from ..extensions import db
from ..models import Membership, Organization, Person, Role
from .models import AttendanceExemption, AttendeePart, Circle, MeetingKind


@dataclass(frozen=True)
class Part:
    roles: frozenset[str]
    party_members_only: bool


_MEMBERS = Part(frozenset(MEMBER_ROLES), True)
_COMMITTEE = Part(Role.BRANCH_COMMITTEE_ROLES, True)
CIRCLE_PARTS: dict[str, tuple[Part, ...]] = {
    Circle.MEMBERS: (_MEMBERS,),
    Circle.GROUP: (_MEMBERS,),
    Circle.COMMITTEE: (_COMMITTEE,),
    Circle.TWO_COMMITTEES: (_COMMITTEE,
                            Part(frozenset({Role.COMMITTEE, Role.COLLECTIVE_LEADER}), False)),
    Circle.MEMBERS_REPS: (_MEMBERS, Part(Role.REPRESENTATIVE_ROLES, False)),
    Circle.VILLAGER_REPS: (Part(frozenset({Role.VILLAGER_REP}), False),),
}


def parts_of(kinds) -> tuple[Part, ...]:
    """The parts of the union of the kinds' circles (an unknown circle counts as MEMBERS)."""
    found: list[Part] = []
    for kind in kinds:
        for part in CIRCLE_PARTS.get(kind.circle, CIRCLE_PARTS[Circle.MEMBERS]):
            if part not in found:
                found.append(part)
    return tuple(found)


def representative_kind_codes() -> set[str]:
    """Kinds whose circle includes representatives (党群联席会议, 村民代表会议)."""
    return set(db.session.scalars(select(MeetingKind.code).where(
        MeetingKind.circle.in_(Circle.WITH_REPRESENTATIVES))))


def active_on(day: date):
    return and_(or_(Membership.started_on.is_(None), Membership.started_on <= day),
                or_(Membership.ended_on.is_(None), Membership.ended_on > day))


def circle_ids(org: Organization, kinds, day: date | None = None) -> set[int]:
    """Everyone the kinds expect in `org` (and its groups), by their roles on `day` (today
    by default): ONE query."""
    parts = parts_of(kinds)
    if not parts:
        return set()
    day = day or clock.today()
    clauses = [and_(Membership.role.in_(part.roles), Person.party_status.is_not(None))
               if part.party_members_only else Membership.role.in_(part.roles)
               for part in parts]
    rows = db.session.scalars(
        select(Membership.person_id).join(Membership.org)
        .join(Person, Person.id == Membership.person_id)
        .where(Organization.path.startswith(org.path), active_on(day), Person.active,
               or_(*clauses)).distinct())
    return set(rows)


def in_circle(kinds, org: Organization, memberships) -> bool:
    """The same rule in memory, for one person's current memberships (the hand-over)."""
    parts = parts_of(kinds)
    for m in memberships:
        if not m.org.path.startswith(org.path):
            continue
        for part in parts:
            if m.role in part.roles and (not part.party_members_only
                                         or m.person.party_status is not None):
                return True
    return False


# ---- exemptions ---------------------------------------------------------------------------------
def exempted_ids(person_ids, day: date) -> set[int]:
    """Who of these people is under a standing exemption on `day` (ONE query)."""
    ids = list(person_ids)
    if not ids:
        return set()
    return set(db.session.scalars(select(AttendanceExemption.person_id).where(
        AttendanceExemption.person_id.in_(ids), AttendanceExemption.starts_on <= day,
        AttendanceExemption.ends_on >= day)))


def list_parts(circle: set[int], chosen: set[int] | None, named: set[int],
               exempted: set[int]) -> dict[int, str]:
    """person id -> AttendeePart for a meeting's list.

    circle: the kinds' expected circle; chosen: the planner's own list (None: the circle);
    named: host and recorder (always on the list); exempted: under an exemption that day."""
    invited = (set(circle) if chosen is None else set(chosen)) | set(named)
    parts = {}
    for pid in invited:
        if pid not in circle:
            parts[pid] = AttendeePart.OBSERVER
        elif pid in exempted:
            parts[pid] = AttendeePart.EXEMPT
        else:
            parts[pid] = AttendeePart.EXPECTED
    return parts
