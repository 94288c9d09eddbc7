"""The one permission function. Every view asks `can(person, permission, org)`.

A role held in an organisation grants its permissions over that organisation and everything
below it (a branch secretary also runs the branch's party groups; a town admin sees the whole
town). Nothing is granted sideways or upwards, so a secretary of branch A can do nothing in
branch B, and a town admin sees nothing of another town.

Features that give rights through an object (the recorder named on one meeting) pass them in
`extra_roles`, so the decision still happens here. Such a right holds only while the person
still holds a role reaching that organisation: it ends when they leave the branch (hand-over).
"""
from __future__ import annotations

from functools import wraps

from flask import abort, g, has_app_context
from flask_login import current_user
from sqlalchemy import select

from . import clock
from .extensions import db
from .models import Membership, Organization, OrgKind, Person, Role

MEMBER_ROLES = {Role.MEMBER, Role.GROUP_LEADER, Role.SECRETARY, Role.DEPUTY_SECRETARY,
                Role.ORGANIZER, Role.PUBLICITY, Role.DISCIPLINE, Role.BRANCH_COMMITTEE,
                Role.RECORDER, Role.COMMITTEE}
# People who attend some meetings without being party members of the branch: the
# representatives and the collective-economy leaders (班子联席会议).
ATTENDING_NON_MEMBERS = set(Role.REPRESENTATIVE_ROLES) | {Role.COLLECTIVE_LEADER}

_ALL_INSIDE = MEMBER_ROLES | ATTENDING_NON_MEMBERS | {Role.TOWN_ADMIN}
_OFFICERS = {Role.SECRETARY, Role.DEPUTY_SECRETARY, Role.ORGANIZER}
# People who run a branch or the town (and so see admin warnings such as a missing calendar).
OFFICER_ROLES = _OFFICERS | {Role.TOWN_ADMIN}

# permission -> roles that hold it (over their organisation and everything below it)
PERMISSIONS: dict[str, set[str]] = {
    "branch.view": _ALL_INSIDE,                       # internal branch pages
    "roster.view": _OFFICERS | {Role.RECORDER, Role.GROUP_LEADER, Role.TOWN_ADMIN},
    "roster.manage": _OFFICERS | {Role.TOWN_ADMIN},
    "audit.view": {Role.SECRETARY, Role.DEPUTY_SECRETARY, Role.TOWN_ADMIN},
    "meeting.attend": MEMBER_ROLES | ATTENDING_NON_MEMBERS,
    "meeting.plan": _OFFICERS | {Role.GROUP_LEADER},
    "meeting.run": _OFFICERS | {Role.RECORDER},
    "meeting.view": _ALL_INSIDE,
    "meeting.amend": {Role.SECRETARY, Role.DEPUTY_SECRETARY},  # edit a closed record (audited)
    "meeting.ledger": _OFFICERS | {Role.RECORDER, Role.TOWN_ADMIN},  # 台账, compliance, export
    "leave.approve": _OFFICERS,
    # A standing exemption from attendance (卧床、远在外地的流动党员): the secretary approves.
    "exemption.approve": {Role.SECRETARY},
    "opinion.handle": _OFFICERS | {Role.COMMITTEE},
    "opinion.assign": {Role.SECRETARY, Role.DEPUTY_SECRETARY},
    "opinion.supervise": {Role.TOWN_ADMIN},
    "disclosure.manage": _OFFICERS,
    "commitment.own": MEMBER_ROLES,
    # 已兑现 and the annual / term verdicts, never on one's own commitment (disclosures).
    "commitment.judge": {Role.SECRETARY, Role.DEPUTY_SECRETARY, Role.TOWN_ADMIN},
    "review.vote": MEMBER_ROLES | {Role.VILLAGER_REP},
    "rating.manage": {Role.SECRETARY, Role.DEPUTY_SECRETARY},
    "rating.view": _ALL_INSIDE,
    "town.oversee": {Role.TOWN_ADMIN},
    "town.manage": {Role.TOWN_ADMIN},
    "calendar.manage": {Role.TOWN_ADMIN},
    # 整改清单: members see their branch's list; officers raise items; 销号 needs one of these
    # AND someone other than the one responsible and the one who gave the evidence.
    "rectification.view": MEMBER_ROLES | {Role.TOWN_ADMIN},
    "rectification.manage": _OFFICERS | {Role.TOWN_ADMIN},
    "rectification.confirm": {Role.SECRETARY, Role.DEPUTY_SECRETARY, Role.TOWN_ADMIN},
    # 届期: the branch's officers see their own; the town registers and corrects it.
    "term.view": _OFFICERS | {Role.TOWN_ADMIN},
    "term.manage": {Role.TOWN_ADMIN},
    # 党费: the recorder (记录人) keeps the dues book and sees the bases; arrears (连续未交)
    # only the secretary and the 组织委员 — never the whole branch, nor the town (counts only).
    "dues.record": {Role.RECORDER},
    "dues.arrears": {Role.SECRETARY, Role.ORGANIZER},
    # Training counted per person: the branch's officers see and enter it; the town plans its
    # own sessions (书记轮训, 党员集中培训) and checks their participants in.
    "training.view": _OFFICERS | {Role.TOWN_ADMIN},
    "training.record": _OFFICERS | {Role.TOWN_ADMIN},
    "training.plan": {Role.TOWN_ADMIN},
    # 软弱涣散 整顿台账: the town and that branch's secretary only (never members, nor public).
    "consolidation.view": {Role.SECRETARY, Role.TOWN_ADMIN},
    # 书记后备: the branch's secretary recommends (村推); the town selects (镇选).
    "reserve.recommend": {Role.SECRETARY, Role.TOWN_ADMIN},
}


def active_memberships(person: Person) -> list[Membership]:
    """The person's current roles with their organisations (and each one's parent, so the
    home branch of a group member costs nothing more), loaded once per request."""
    cache = g.setdefault("active_memberships", {}) if has_app_context() else {}
    cached = cache.get(person.id)
    if cached is None:
        today = clock.today()
        cached = db.session.scalars(
            select(Membership).join(Membership.org)
            .where(Membership.person_id == person.id)
            .where((Membership.ended_on.is_(None)) | (Membership.ended_on > today))
            .options(db.contains_eager(Membership.org).joinedload(Organization.parent))
        ).all()
        cache[person.id] = cached
    return cached


def can(person, permission: str, org: Organization | None, *, extra_roles=()) -> bool:
    if permission not in PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}")
    if person is None or not getattr(person, "is_authenticated", False) or not person.is_active:
        return False
    allowed = PERMISSIONS[permission]
    if org is None:
        return False
    reaching = [m for m in active_memberships(person) if org.path.startswith(scope_path(m))]
    if allowed & set(extra_roles) and reaching:
        return True
    return any(m.role in allowed for m in reaching)


def scope_path(membership: Membership) -> str:
    """Where a role reaches. A plain member of a party group is a member of its branch, so
    member-level rights reach the whole branch; a group leader's own rights stay in the group."""
    path = membership.org.path
    if membership.org.kind == "group" and membership.role in (Role.MEMBER, Role.VILLAGER_REP):
        return path[: path.rstrip("/").rfind("/") + 1]
    return path


def require(permission: str, org: Organization | None, *, extra_roles=()) -> None:
    """Abort with 403 unless the current user may; anonymous users are sent to log in."""
    if not current_user.is_authenticated:
        from flask import current_app

        abort(current_app.login_manager.unauthorized())
    if not can(current_user, permission, org, extra_roles=extra_roles):
        abort(403)


BRANCH_KINDS = (OrgKind.BRANCH, OrgKind.GENERAL_BRANCH)


def require_org(permission: str, org_id: int, kinds=BRANCH_KINDS) -> Organization:
    """The organisation named in a URL, of one of these kinds, if the current user may act on
    it: 404 for a missing or wrong-kind id (there is nothing to ask about), 403 without the
    right."""
    org = db.session.get(Organization, org_id)
    if org is None or org.kind not in kinds:
        abort(404)
    require(permission, org)
    return org


def orgs_where(person: Person, permission: str) -> list[Organization]:
    """The organisations (roots) where the person holds a permission."""
    if person is None or not getattr(person, "is_authenticated", False):
        return []
    allowed = PERMISSIONS[permission]
    return [m.org for m in active_memberships(person) if m.role in allowed]


def home_branch(person: Person) -> Organization | None:
    """The branch a person belongs to (for a group member, the group's branch)."""
    for m in active_memberships(person):
        org = m.org
        if org.kind == "group" and org.parent is not None:
            return org.parent
        if org.kind in ("branch", "general"):
            return org
    return None


def permission_required(permission: str, org_loader):
    """Decorator for views whose organisation comes from the URL arguments."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            require(permission, org_loader(**kwargs))
            return view(*args, **kwargs)

        return wrapped

    return decorator
