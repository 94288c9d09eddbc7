"""Running the organisation (the town admin's work): branches, general branches and groups at
any depth, term changes (换届), transfers (组织关系转接), 流动党员 and deaths. Every change is
audited; nothing is deleted — roles end with `ended_on`, people are deactivated."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from .. import audit, clock
from ..extensions import db
from ..features import term_changed
from ..models import Membership, Organization, OrgKind, Person, PersonStatus, Role
from .handover import roles_ended
from .services import RosterError, insert_org, is_current, pinyin_key, role_titles

# Which kind may sit under which.
CHILD_KINDS = {
    OrgKind.TOWN: (OrgKind.GENERAL_BRANCH, OrgKind.BRANCH),
    OrgKind.GENERAL_BRANCH: (OrgKind.BRANCH, OrgKind.GROUP),
    OrgKind.BRANCH: (OrgKind.GROUP,),
    OrgKind.GROUP: (),
}
TERM_ROLES = (Role.SECRETARY, Role.DEPUTY_SECRETARY, Role.ORGANIZER, Role.RECORDER)
SLUG = re.compile(r"^[a-z][a-z0-9-]{1,39}$")


def _current(today: date):
    return or_(Membership.ended_on.is_(None), Membership.ended_on > today)


# ---- the tree -----------------------------------------------------------------------------
def load_town(town_id: int) -> Organization | None:
    org = db.session.get(Organization, town_id)
    return org if org is not None and org.kind == OrgKind.TOWN else None


def org_in_town(town: Organization, org_id: int) -> Organization | None:
    org = db.session.get(Organization, org_id)
    return org if org is not None and org.path.startswith(town.path) else None


def town_tree(town: Organization) -> list[tuple[Organization, int]]:
    """(organisation, depth) in tree order. One query: `path` sorts parents before children
    when ids are compared as numbers, so order in Python by the id list."""
    orgs = db.session.scalars(
        select(Organization).where(Organization.path.startswith(town.path))).all()
    ordered = sorted(orgs, key=lambda o: o.ancestor_ids)
    base = len(town.ancestor_ids)
    return [(org, len(org.ancestor_ids) - base) for org in ordered]


@dataclass
class OrgData:
    kind: str
    name: str
    village_name: str | None = None
    slug: str | None = None


def check_org_data(parent: Organization | None, data: OrgData, org: Organization | None = None
                   ) -> list[tuple[str, str]]:
    problems = []
    if parent is not None and data.kind not in CHILD_KINDS.get(parent.kind, ()):
        problems.append(("kind", f"{parent.kind_label}下面不能设{OrgKind.LABELS.get(data.kind, '这种组织')}"))
    if not data.name.strip() or len(data.name) > 80:
        problems.append(("name", "名称要填写，最多80个字"))
    if data.village_name and len(data.village_name) > 80:
        problems.append(("village_name", "村（社区）名最多80个字"))
    if data.slug:
        if not SLUG.match(data.slug):
            problems.append(("slug", "网址名用2到40个小写字母、数字或横线，以字母开头"))
        elif db.session.scalar(select(Organization.id).where(
                Organization.slug == data.slug, Organization.id != getattr(org, "id", None))):
            problems.append(("slug", "这个网址名已被别的村用了"))
    elif data.kind in (OrgKind.BRANCH, OrgKind.GENERAL_BRANCH) and data.village_name:
        problems.append(("slug", "有村（社区）的支部要填写公开页网址名"))
    return problems


def add_org(parent: Organization, data: OrgData, actor) -> Organization:
    org = insert_org(parent, data.kind, data.name.strip(), village=data.village_name or None,
                     slug=data.slug or None)
    audit.record(actor, "org.add", "organization", org.id, org_id=org.id, name=org.name,
                 kind=org.kind, parent=parent.name)
    db.session.commit()
    return org


def rename_org(org: Organization, data: OrgData, actor) -> None:
    before = {"name": org.name, "village_name": org.village_name, "slug": org.slug}
    org.name = data.name.strip()
    org.village_name = data.village_name or None
    org.slug = data.slug or None
    after = {"name": org.name, "village_name": org.village_name, "slug": org.slug}
    changes = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
    audit.record(actor, "org.rename", "organization", org.id, org_id=org.id, name=org.name,
                 changes=changes)
    db.session.commit()


# ---- people of the town -------------------------------------------------------------------
TOWN_PEOPLE_SHOWN = 60


def town_people(town: Organization, query: str = "") -> list[Person]:
    """People who hold or held a role in the town, optionally matching name, pinyin or phone.
    The first TOWN_PEOPLE_SHOWN by pinyin, sorted and cut in SQL (a county has thousands)."""
    in_town = (select(Membership.person_id).join(Membership.org)
               .where(Organization.path.startswith(town.path)))
    select_people = select(Person).where(Person.id.in_(in_town))
    query = query.strip()[:40]
    if query:
        pattern = f"%{query.lower()}%"
        select_people = select_people.where(or_(Person.name.contains(query, autoescape=True),
                                                Person.phone.contains(query, autoescape=True),
                                                Person.name_pinyin.like(pattern)))
    return list(db.session.scalars(select_people.order_by(
        Person.name_pinyin, Person.name, Person.id).limit(TOWN_PEOPLE_SHOWN)))


def person_in_town(town: Organization, person_id: int) -> tuple[Person, list[Membership]] | None:
    """The person and every membership they ever had in the town (history included)."""
    rows = db.session.scalars(
        select(Membership).join(Membership.org)
        .where(Membership.person_id == person_id, Organization.path.startswith(town.path))
        .options(db.contains_eager(Membership.org), joinedload(Membership.person))
        .order_by(Membership.started_on.desc(), Membership.id.desc())).all()
    return (rows[0].person, list(rows)) if rows else None


def branch_of(org: Organization) -> Organization:
    """A group's branch, or the branch itself."""
    return org.parent if org.kind == OrgKind.GROUP and org.parent is not None else org


def transfer_member(town: Organization, person: Person, memberships: list[Membership],
                    target: Organization | None, on: date, actor) -> None:
    """组织关系转接: every current role in the town ends on `on`; inside the town the person
    becomes a member of `target` (a branch or group); out of the town (`target` None) the
    account is closed. Officer roles never travel: the new branch elects its own."""
    _check_day(on)
    today = clock.today()
    current = [m for m in memberships if is_current(m, today)]
    if not current:
        raise RosterError(f"{person.name}在本镇已没有现任职务，无法转接")
    if target is not None and target.kind not in (OrgKind.BRANCH, OrgKind.GROUP,
                                                  OrgKind.GENERAL_BRANCH):
        raise RosterError("只能转到支部或党小组")
    if target is not None and any(m.org_id == target.id and m.role == Role.MEMBER for m in current):
        raise RosterError(f"{person.name}已经在{target.name}")
    for m in current:
        m.ended_on = on
    started = []
    if target is None:
        person.active = False
        person.session_version += 1
    else:
        started.append(Membership(person_id=person.id, org_id=target.id, role=Role.MEMBER,
                                  started_on=on))
        db.session.add(started[0])
    roles_ended(current, on=on, actor=actor, reason="组织关系转接", started=started)
    audit.record(actor, "person.transfer", "person", person.id,
                 org_id=target.id if target is not None else town.id, name=person.name,
                 from_orgs=sorted({m.org.name for m in current}),
                 to=target.name if target is not None else "转出本镇", on=on)
    if target is not None:  # the old branch sees the move in its own trail too
        audit.record(actor, "person.transfer", "person", person.id,
                     org_id=branch_of(current[0].org).id, name=person.name,
                     to=target.name, on=on)
    db.session.commit()


def set_status(town: Organization, person: Person, memberships: list[Membership],
               status: str | None, on: date, actor) -> None:
    """流动党员 (kept on the roster, marked), back home (None), or died: roles end and the
    account closes; the history stays."""
    if status not in (None, PersonStatus.MOBILE, PersonStatus.DECEASED):
        raise RosterError("状态不认识")
    _check_day(on)
    if person.status == PersonStatus.DECEASED:
        raise RosterError(f"{person.name}已登记去世，不能再修改")
    before = person.status
    person.status, person.status_since = status, (on if status else None)
    if status == PersonStatus.DECEASED:
        today = clock.today()
        ended = [m for m in memberships if is_current(m, today)]
        for m in ended:
            m.ended_on = on
        person.active = False
        person.session_version += 1
        roles_ended(ended, on=on, actor=actor, reason="登记去世")
    home = branch_of(memberships[0].org)
    audit.record(actor, "person.status", "person", person.id, org_id=home.id, name=person.name,
                 changes={"status": [PersonStatus.LABELS.get(before or "", "在村"),
                                     PersonStatus.LABELS.get(status or "", "在村")]}, on=on)
    db.session.commit()


def _check_day(on: date) -> None:
    if on > clock.today():
        raise RosterError("日期不能晚于今天")


# ---- term change (换届) --------------------------------------------------------------------
@dataclass
class Officers:
    """Who holds each officer role now: role -> [Membership]; committee keeps its posts."""

    by_role: dict

    def names(self, role: str) -> str:
        return "、".join(m.person.name + (f"（{m.post}）" if m.post else "")
                        for m in self.by_role.get(role, [])) or "空缺"


def current_officers(branch: Organization) -> Officers:
    rows = db.session.scalars(
        select(Membership).where(Membership.org_id == branch.id,
                                 Membership.role.in_(TERM_ROLES + (Role.COMMITTEE,)),
                                 _current(clock.today()))
        .options(joinedload(Membership.person)).order_by(Membership.id)).all()
    by_role: dict = {}
    for m in rows:
        by_role.setdefault(m.role, []).append(m)
    return Officers(by_role)


def branch_people(branch: Organization) -> list[Person]:
    """Current members and representatives of the branch (and its groups), pinyin order."""
    people = db.session.scalars(
        select(Person).join(Membership, Membership.person_id == Person.id).join(Membership.org)
        .where(Organization.path.startswith(branch.path), _current(clock.today()),
               Person.active.is_(True)).distinct()).all()
    return sorted(people, key=lambda p: (p.name_pinyin, p.name, p.id))


def change_term(branch: Organization, officers: dict[str, int | None],
                committee: list[tuple[int, str]], on: date, actor) -> None:
    """换届: every current officer and two-committee role of the branch ends on `on`; the
    newly elected start on `on`. The old secretary's rights end; the rows stay."""
    _check_day(on)
    eligible = {p.id: p for p in branch_people(branch)}
    chosen = [pid for pid in officers.values() if pid] + [pid for pid, _ in committee]
    if any(pid not in eligible for pid in chosen):
        raise RosterError("只能从本支部现有人员中选择")
    if not officers.get(Role.SECRETARY):
        raise RosterError("请选择新一届书记")
    old = current_officers(branch)
    ended = [m for rows in old.by_role.values() for m in rows]
    for m in ended:
        m.ended_on = on
    started = [Membership(person_id=person_id, org_id=branch.id, role=role, started_on=on)
               for role, person_id in officers.items() if person_id]
    started += [Membership(person_id=person_id, org_id=branch.id, role=Role.COMMITTEE,
                           post=post[:40] or None, started_on=on) for person_id, post in committee]
    db.session.add_all(started)
    roles_ended(ended, on=on, actor=actor, reason="换届", started=started)
    audit.record(actor, "org.term_change", "organization", branch.id, org_id=branch.id,
                 name=branch.name, on=on,
                 ended=sorted(f"{m.person.name}:{role_titles([m])[0]}" for m in ended),
                 started=sorted([f"{eligible[pid].name}:{Role.LABELS[role]}"
                                 for role, pid in officers.items() if pid]
                                + [f"{eligible[pid].name}:{post or '两委成员'}"
                                   for pid, post in committee]))
    term_changed.send(branch, on=on, actor=actor)
    db.session.commit()
