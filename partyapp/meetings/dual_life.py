"""双重组织生活 (004 §6, 002 五): a party member holding a leading post — today a role in a
town's own organisation (镇党委) — attends their own branch's 组织生活 at least twice a year as
an ordinary member. Counted from check-ins at closed meetings of their home branch whose kinds
count (config DUAL_LIFE_KINDS, default 组织生活会, 支部党员大会, 党小组会, 党课); shown to the
town; reminded once a year from November when short."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .. import clock
from ..authz import MEMBER_ROLES
from ..extensions import db
from ..models import Membership, Organization, OrgKind, Person
from ..notify.services import notify
from .models import CheckIn, DualLifeReminder, Meeting, MeetingKind, MeetingStatus, \
    meeting_kind_link
from .planning import active_role_filter

DEFAULT_DUAL_LIFE_KINDS = ("org_life", "branch_assembly", "group_meeting", "party_lecture")
DUAL_LIFE_MIN_PER_YEAR = 2
DUAL_LIFE_REMIND_FROM_MONTH = 11


@dataclass(frozen=True)
class LeaderCount:
    person: Person
    branch: Organization
    attended: int

    @property
    def complete(self) -> bool:
        return self.attended >= DUAL_LIFE_MIN_PER_YEAR


def dual_life_kinds() -> tuple[str, ...]:
    return tuple(current_app.config.get("DUAL_LIFE_KINDS") or DEFAULT_DUAL_LIFE_KINDS)


def dual_life_counts(town: Organization | None, year: int) -> list[LeaderCount]:
    """Every leader (of `town`, or of every town) with their home branch and how many counted
    meetings of that branch they checked in at this year: three queries."""
    towns = select(Membership.person_id).join(Organization, Organization.id == Membership.org_id) \
        .where(Organization.kind == OrgKind.TOWN, active_role_filter())
    if town is not None:
        towns = towns.where(Organization.id == town.id)
    homes: dict[int, tuple[Person, Organization]] = {}
    for membership in db.session.scalars(
            select(Membership).join(Membership.org)
            .where(Membership.person_id.in_(towns), Membership.role.in_(MEMBER_ROLES),
                   Organization.kind.in_((OrgKind.BRANCH, OrgKind.GENERAL_BRANCH, OrgKind.GROUP)),
                   active_role_filter())
            .options(db.joinedload(Membership.person),
                     db.joinedload(Membership.org).joinedload(Organization.parent))
            .order_by(Membership.id)):
        org = membership.org
        branch = org.parent if org.kind == OrgKind.GROUP and org.parent is not None else org
        homes.setdefault(membership.person_id, (membership.person, branch))
    if not homes:
        return []
    attended: dict[int, set[int]] = {}
    for person_id, branch_id, meeting_id in db.session.execute(
            select(CheckIn.person_id, Meeting.branch_id, Meeting.id).distinct()
            .join(Meeting, Meeting.id == CheckIn.meeting_id)
            .join(meeting_kind_link, meeting_kind_link.c.meeting_id == Meeting.id)
            .join(MeetingKind, MeetingKind.id == meeting_kind_link.c.kind_id)
            .where(CheckIn.person_id.in_(list(homes)), Meeting.status == MeetingStatus.CLOSED,
                   MeetingKind.code.in_(dual_life_kinds()),
                   Meeting.starts_at >= clock.local_datetime(date(year, 1, 1)),
                   Meeting.starts_at < clock.local_datetime(date(year + 1, 1, 1)))):
        if homes[person_id][1].id == branch_id:
            attended.setdefault(person_id, set()).add(meeting_id)
    return sorted((LeaderCount(person, branch, len(attended.get(pid, ())))
                   for pid, (person, branch) in homes.items()),
                  key=lambda row: (row.branch.path, row.person.name_pinyin))


def send_dual_life_reminders() -> int:
    """Job: from November, each leader short of two 组织生活 this year is told once (the unique
    (person, year) row is the claim: a second run or clock sends nothing)."""
    today = clock.today()
    if today.month < DUAL_LIFE_REMIND_FROM_MONTH:
        return 0
    short = [row for row in dual_life_counts(None, today.year) if not row.complete]
    if not short:
        return 0
    dialect_insert = postgresql_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    claimed = set(db.session.scalars(
        dialect_insert(DualLifeReminder)
        .values([{"person_id": row.person.id, "year": today.year, "sent_at": clock.now()}
                 for row in short])
        .on_conflict_do_nothing(index_elements=["person_id", "year"])
        .returning(DualLifeReminder.person_id)))
    for row in short:
        if row.person.id in claimed:
            notify([row.person.id], "双重组织生活：今年还差几次",
                   f"今年你以普通党员身份参加{row.branch.name}的组织生活{row.attended}次，"
                   f"每年不少于{DUAL_LIFE_MIN_PER_YEAR}次（组织生活会、支部党员大会、党小组会、党课）。",
                   "/meetings/", kind="meeting")
    db.session.commit()
    return len(claimed)
