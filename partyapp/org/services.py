"""Rules for the branch roster (花名册), as plain functions: who is on it, adding, editing and
deactivating people, invitations and the audit trail. Nothing is ever deleted: a role that
ends gets `ended_on`, a person who leaves gets `active=False`."""
from __future__ import annotations

import base64
import io
import json
from dataclasses import dataclass, field
from datetime import date

import qrcode
from pypinyin import lazy_pinyin
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from .. import audit, clock
from ..auth.services import create_invitation
from ..authz import active_memberships
from ..extensions import db
from ..models import AuditEntry, InvitationPurpose, Membership, Organization, OrgKind, Person, Role
from ..notify.services import queue_for_branch_group
from ..phones import normalize_mobile
from .handover import roles_ended

# Roles held in the branch itself (a group leader's role sits in the group).
BRANCH_OFFICER_ROLES = (Role.SECRETARY, Role.DEPUTY_SECRETARY, Role.ORGANIZER, Role.PUBLICITY,
                        Role.DISCIPLINE, Role.BRANCH_COMMITTEE, Role.RECORDER, Role.COMMITTEE)
# Roles that place someone in a meeting's circle without running anything (party member or not).
ATTENDING_ROLES = (Role.COLLECTIVE_LEADER, Role.SHAREHOLDER_REP, Role.MIGRANT_REP)
EDITABLE_ROLES = BRANCH_OFFICER_ROLES + (Role.GROUP_LEADER,) + ATTENDING_ROLES
ROLE_ORDER = {role: i for i, role in enumerate(
    (Role.TOWN_ADMIN, Role.SECRETARY, Role.DEPUTY_SECRETARY, Role.ORGANIZER, Role.PUBLICITY,
     Role.DISCIPLINE, Role.BRANCH_COMMITTEE, Role.COMMITTEE, Role.COLLECTIVE_LEADER,
     Role.RECORDER, Role.GROUP_LEADER, Role.VILLAGER_REP, Role.SHAREHOLDER_REP,
     Role.MIGRANT_REP, Role.MEMBER))}


class RosterError(ValueError):
    """A rule of the roster was broken; the message is shown to the user (Chinese)."""


# ---- reading ------------------------------------------------------------------------------
def is_current(membership: Membership, today: date | None = None) -> bool:
    today = today or clock.today()
    return membership.ended_on is None or membership.ended_on > today


def _current_clause(today: date):
    return or_(Membership.ended_on.is_(None), Membership.ended_on > today)


def branch_groups(branch: Organization) -> list[Organization]:
    return list(db.session.scalars(
        select(Organization).where(Organization.parent_id == branch.id,
                                   Organization.kind == OrgKind.GROUP,
                                   Organization.active.is_(True))
        .order_by(Organization.id)))


def pinyin_key(name: str) -> str:
    return " ".join(lazy_pinyin(name))


def sort_by_pinyin(people):
    """Chinese order: by the pinyin of the name (阿 before 张), then by the characters."""
    return sorted(people, key=lambda p: (p.name_pinyin or pinyin_key(p.name), p.name, p.id))


@dataclass
class RosterEntry:
    """One line of the roster: a person and the roles they hold in this branch."""

    person: Person
    memberships: list[Membership] = field(default_factory=list)

    @property
    def group(self) -> Organization | None:
        return next((m.org for m in self.memberships if m.org.kind == OrgKind.GROUP), None)

    @property
    def role_titles(self) -> list[str]:
        return role_titles(self.memberships)

    @property
    def officer_titles(self) -> list[str]:
        return role_titles([m for m in self.memberships
                            if m.role != Role.MEMBER and m.role not in Role.REPRESENTATIVE_ROLES])

    def has(self, role: str) -> bool:
        return any(m.role == role for m in self.memberships)


def role_titles(memberships) -> list[str]:
    """'书记', '村委会主任' …: a two-committee role shows its post (一肩挑 reads naturally)."""
    titles = []
    for m in sorted(memberships, key=lambda m: ROLE_ORDER.get(m.role, 99)):
        title = m.post if m.role in (Role.COMMITTEE, Role.TOWN_ADMIN) and m.post else m.role_label
        if title not in titles:
            titles.append(title)
    return titles


def roster(branch: Organization) -> list[RosterEntry]:
    """Everyone holding a current role in the branch or its groups, in pinyin order. One query."""
    rows = db.session.scalars(
        select(Membership).join(Membership.org).join(Membership.person)
        .where(Organization.path.startswith(branch.path), _current_clause(clock.today()),
               Person.active.is_(True))
        .options(db.contains_eager(Membership.org), db.contains_eager(Membership.person))
    ).all()
    entries: dict[int, RosterEntry] = {}
    for m in rows:
        entries.setdefault(m.person_id, RosterEntry(m.person)).memberships.append(m)
    return sorted(entries.values(), key=lambda e: (e.person.name_pinyin, e.person.name, e.person.id))


def former_people(branch: Organization) -> list[Person]:
    """People whose roles here have all ended (deactivated or moved): history stays visible."""
    today = clock.today()
    current = select(Membership.person_id).join(Membership.org).where(
        Organization.path.startswith(branch.path), _current_clause(today))
    people = db.session.scalars(
        select(Person).join(Membership, Membership.person_id == Person.id).join(Membership.org)
        .where(Organization.path.startswith(branch.path), Person.id.not_in(current)).distinct()
    ).all()
    return sort_by_pinyin(people)


def roster_entry(branch: Organization, person_id: int) -> RosterEntry | None:
    """A person on this branch's roster, or None (someone of another branch is not found)."""
    rows = db.session.scalars(
        select(Membership).join(Membership.org)
        .where(Membership.person_id == person_id, Organization.path.startswith(branch.path),
               _current_clause(clock.today()))
        .options(db.contains_eager(Membership.org), joinedload(Membership.person))
    ).all()
    if not rows or not rows[0].person.active:
        return None
    return RosterEntry(rows[0].person, list(rows))


def load_branch(branch_id: int) -> Organization | None:
    org = db.session.get(Organization, branch_id)
    if org is None or org.kind not in (OrgKind.BRANCH, OrgKind.GENERAL_BRANCH):
        return None
    return org


# ---- writing ------------------------------------------------------------------------------
@dataclass
class PersonData:
    """What the roster form (or one Excel row) says about a person."""

    name: str
    phone: str
    party_status: str | None = None
    joined_party_on: date | None = None
    villager_rep: bool = False
    group_id: int | None = None
    roles: tuple[str, ...] = ()
    committee_post: str | None = None


def check_person_data(branch: Organization, data: PersonData, groups=None,
                      person: Person | None = None, taken_phones: set[str] | None = None
                      ) -> list[tuple[str, str]]:
    """Every problem as (field, Chinese message); empty when the data can be saved.
    `taken_phones` (registered numbers, loaded once) saves a query per row on import."""
    problems = []
    name = (data.name or "").strip()
    if not name:
        problems.append(("name", "请填写姓名"))
    elif len(name) > 40:
        problems.append(("name", "姓名最多40个字"))
    try:
        data.phone = normalize_mobile(data.phone)
    except ValueError as exc:
        problems.append(("phone", str(exc)))
    else:
        taken = (data.phone in taken_phones if taken_phones is not None
                 else phone_taken(data.phone, person))
        if taken:
            problems.append(("phone", "这个手机号已经登记过了"))
    if data.party_status and data.joined_party_on and data.joined_party_on > clock.today():
        problems.append(("joined_party_on", "入党日期不能晚于今天"))
    if data.party_status and not data.joined_party_on:
        problems.append(("joined_party_on", "请填写入党日期"))
    groups = branch_groups(branch) if groups is None else groups
    if data.group_id is not None and data.group_id not in {g.id for g in groups}:
        problems.append(("group_id", "党小组不属于本支部"))
    unknown = set(data.roles) - set(EDITABLE_ROLES)
    if unknown:
        problems.append(("roles", "职务不认识：" + "、".join(sorted(unknown))))
    committee = sorted(Role.LABELS[r] for r in set(data.roles) & Role.BRANCH_COMMITTEE_ROLES)
    if committee and not data.party_status:
        problems.append(("roles", "支部委员会成员（" + "、".join(committee) + "）要是党员"))
    if Role.GROUP_LEADER in data.roles and data.group_id is None:
        problems.append(("roles", "党小组长要选所在的党小组"))
    if data.committee_post and len(data.committee_post) > 40:
        problems.append(("committee_post", "两委职务最多40个字"))
    if data.committee_post and Role.COMMITTEE not in data.roles:
        problems.append(("committee_post", "填写了两委职务，请同时勾选“两委成员”"))
    if not data.party_status and not data.villager_rep and not data.roles:
        problems.append(("party_status", "群众要勾选村民代表或填写职务，才能进入花名册"))
    return problems


def registered_phones(candidates) -> set[str]:
    """Which of these mobile numbers already have an account (one query)."""
    numbers = set()
    for raw in candidates:
        try:
            numbers.add(normalize_mobile(raw))
        except ValueError:
            pass
    if not numbers:
        return set()
    return set(db.session.scalars(select(Person.phone).where(Person.phone.in_(numbers))))


def phone_taken(phone: str, person: Person | None = None) -> bool:
    query = select(Person.id).where(Person.phone == phone)
    if person is not None:
        query = query.where(Person.id != person.id)
    return db.session.scalar(query) is not None


def _wanted_roles(branch: Organization, data: PersonData) -> set[tuple[int, str, str | None]]:
    """(org id, role, post) the person should hold in this branch."""
    home = data.group_id or branch.id
    wanted = set()
    if data.party_status:
        wanted.add((home, Role.MEMBER, None))
    if data.villager_rep:
        wanted.add((branch.id, Role.VILLAGER_REP, None))
    for role in data.roles:
        if role == Role.GROUP_LEADER:
            wanted.add((data.group_id, role, None))
        else:
            post = (data.committee_post or None) if role == Role.COMMITTEE else None
            wanted.add((branch.id, role, post))
    return wanted


def _apply_person_fields(person: Person, data: PersonData) -> None:
    person.name = data.name.strip()
    person.name_pinyin = pinyin_key(person.name)
    person.phone = data.phone
    person.party_status = data.party_status or None
    person.joined_party_on = data.joined_party_on if data.party_status else None
    person.is_villager_rep = data.villager_rep


def add_person(branch: Organization, data: PersonData, actor) -> Person:
    """Adds a person to the roster (caller has checked the data). Commits nothing."""
    person = Person(name="", phone=data.phone)
    _apply_person_fields(person, data)
    db.session.add(person)
    db.session.flush()
    today = clock.today()
    for org_id, role, post in sorted(_wanted_roles(branch, data), key=str):
        db.session.add(Membership(person_id=person.id, org_id=org_id, role=role, post=post,
                                  started_on=today))
    audit.record(actor, "roster.add", "person", person.id, org_id=branch.id, name=person.name,
                 roles=sorted(role for _, role, _ in _wanted_roles(branch, data)))
    return person


def update_person(branch: Organization, entry: RosterEntry, data: PersonData, actor) -> None:
    """Saves the form: changed fields are audited; roles no longer held end today, new ones
    start today — history is kept."""
    person = entry.person
    before = _snapshot(person)
    _apply_person_fields(person, data)
    today = clock.today()
    current = {(m.org_id, m.role, m.post): m for m in entry.memberships}
    wanted = _wanted_roles(branch, data)
    ended = [key for key in current if key not in wanted]
    for key in ended:
        current[key].ended_on = today
    started = sorted(wanted - current.keys(), key=str)
    new_roles = [Membership(person_id=person.id, org_id=org_id, role=role, post=post,
                            started_on=today) for org_id, role, post in started]
    db.session.add_all(new_roles)
    roles_ended([current[key] for key in ended], on=today, actor=actor, reason="职务调整",
                started=new_roles)
    changes = {k: [v, _snapshot(person)[k]] for k, v in before.items() if _snapshot(person)[k] != v}
    audit.record(actor, "roster.edit", "person", person.id, org_id=branch.id, name=person.name,
                 changes=changes, roles_ended=sorted(r for _, r, _ in ended),
                 roles_started=sorted(r for _, r, _ in started))
    db.session.commit()


def _snapshot(person: Person) -> dict:
    return {"name": person.name, "phone": person.phone, "party_status": person.party_status,
            "joined_party_on": str(person.joined_party_on or ""),
            "villager_rep": person.is_villager_rep}


def create_person(branch: Organization, data: PersonData, actor) -> Person:
    person = add_person(branch, data, actor)
    db.session.commit()
    return person


def deactivate_person(branch: Organization, entry: RosterEntry, actor) -> None:
    """Ends every role in this branch and closes the account: all devices are logged out.
    Refused when the person still holds roles elsewhere (the town decides those)."""
    person = entry.person
    today = clock.today()
    elsewhere = [m for m in active_memberships(person) if not m.org.path.startswith(branch.path)]
    if elsewhere:
        raise RosterError(f"{person.name}在{elsewhere[0].org.name}还有职务，请由镇党委调整后再停用")
    for m in entry.memberships:
        m.ended_on = today
    person.active = False
    person.session_version += 1
    roles_ended(entry.memberships, on=today, actor=actor, reason="停用")
    audit.record(actor, "roster.deactivate", "person", person.id, org_id=branch.id,
                 name=person.name, roles_ended=sorted(m.role for m in entry.memberships))
    db.session.commit()


def issue_invitation(branch: Organization, person: Person, actor) -> str:
    """A new one-time link (older links stop working). Returns the token."""
    audit.record(actor, "roster.invite", "person", person.id, org_id=branch.id, name=person.name)
    return create_invitation(person, actor=actor)


def issue_login_link(branch: Organization, person: Person, actor) -> str:
    """A one-time log-in link / QR for a member who cannot log in (a new phone, a forgotten
    password, cookies lost in WeChat): used once, 30 minutes, never rate-limited. Audited."""
    audit.record(actor, "roster.login_link", "person", person.id, org_id=branch.id,
                 name=person.name)
    return create_invitation(person, actor=actor, purpose=InvitationPurpose.LOGIN)


def qr_data_uri(text: str) -> str:
    """A QR code PNG as a data: URI (the page's CSP allows data: images)."""
    image = qrcode.make(text, box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


# ---- audit trail --------------------------------------------------------------------------
AUDIT_PAGE_SIZE = 30
ACTION_LABELS = {
    "roster.add": "添加人员", "roster.edit": "修改人员信息", "roster.deactivate": "停用人员",
    "roster.invite": "发出邀请链接", "roster.import": "导入花名册",
    "invitation.issue": "发出邀请链接", "invitation.accept": "设置密码",
    "wechat.bind": "绑定微信", "wechat.unbind": "解除微信绑定",
    "admin.create": "创建管理员",
    "org.add": "新建组织", "org.rename": "修改组织信息", "org.term_change": "换届",
    "person.transfer": "组织关系转接", "person.status": "登记人员状态",
    "opinion.handover": "意见交接", "meeting.handover": "会议应到随人员调整",
}


@dataclass
class AuditPage:
    entries: list
    page: int
    has_next: bool


def audit_trail(org: Organization, page: int = 1) -> AuditPage:
    """Entries about this organisation and everything below it, newest first. Two queries."""
    page = max(1, min(page, 10_000))
    rows = db.session.scalars(
        select(AuditEntry).join(Organization, AuditEntry.org_id == Organization.id)
        .where(Organization.path.startswith(org.path))
        .options(joinedload(AuditEntry.actor))
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .offset((page - 1) * AUDIT_PAGE_SIZE).limit(AUDIT_PAGE_SIZE + 1)
    ).all()
    return AuditPage(rows[:AUDIT_PAGE_SIZE], page, len(rows) > AUDIT_PAGE_SIZE)


def describe_detail(entry: AuditEntry) -> str:
    """The entry's detail in plain words for the audit page."""
    try:
        detail = json.loads(entry.detail) if entry.detail else {}
    except ValueError:
        return entry.detail
    parts = []
    if detail.get("name"):
        parts.append(str(detail["name"]))
    for key, (old, new) in (detail.get("changes") or {}).items():
        parts.append(f"{FIELD_LABELS.get(key, key)}：{old or '空'} → {new or '空'}")
    if detail.get("roles_started"):
        parts.append("新任：" + "、".join(Role.LABELS.get(r, r) for r in detail["roles_started"]))
    if detail.get("roles_ended"):
        parts.append("卸任：" + "、".join(Role.LABELS.get(r, r) for r in detail["roles_ended"]))
    if detail.get("from_orgs"):
        parts.append("从" + "、".join(detail["from_orgs"]))
    if detail.get("to"):
        parts.append("转到" + str(detail["to"]))
    if detail.get("ended"):
        parts.append("卸任：" + "、".join(e.replace(":", " ") for e in detail["ended"]))
    if detail.get("started"):
        parts.append("新任：" + "、".join(e.replace(":", " ") for e in detail["started"]))
    if detail.get("on"):
        parts.append(f"日期：{detail['on']}")
    if detail.get("note"):
        parts.append(str(detail["note"]))
    if detail.get("left_meetings"):
        parts.append(f"{detail.get('reason', '')}：退出{len(detail['left_meetings'])}场未开的会议")
    if detail.get("joined_meetings"):
        parts.append(f"{detail.get('reason', '')}：加入{len(detail['joined_meetings'])}场未开的会议")
    if detail.get("count") is not None:
        parts.append(f"共{detail['count']}人")
    return "；".join(parts)


FIELD_LABELS = {"name": "名称", "phone": "手机号", "party_status": "党员身份",
                "joined_party_on": "入党日期", "villager_rep": "村民代表", "status": "状态",
                "village_name": "村（社区）", "slug": "公开页网址名"}


def org_links(person) -> list[tuple[str, str, str, Organization]]:
    """(label, endpoint, url argument, organisation) for 花名册 and 操作记录. One query at most."""
    from ..authz import orgs_where

    links = []
    roots = orgs_where(person, "roster.view")
    branches = [o for o in roots if o.kind in (OrgKind.BRANCH, OrgKind.GENERAL_BRANCH)]
    town_roots = [o for o in roots if o.kind == OrgKind.TOWN]
    if town_roots:
        branches += db.session.scalars(
            select(Organization).where(
                or_(*[Organization.path.startswith(t.path) for t in town_roots]),
                Organization.kind.in_((OrgKind.BRANCH, OrgKind.GENERAL_BRANCH)),
                Organization.active.is_(True)).order_by(Organization.path)).all()
    seen = set()
    for branch in branches:
        if branch.id not in seen:
            seen.add(branch.id)
            links.append((f"花名册 · {branch.name}", "org.roster", "branch_id", branch))
    for town in orgs_where(person, "town.manage"):
        if town.kind == OrgKind.TOWN:
            links.append((f"组织管理 · {town.name}", "org.town_orgs", "town_id", town))
            links.append((f"人员查找与转接 · {town.name}", "org.town_people", "town_id", town))
    audited = set()
    for org in orgs_where(person, "audit.view"):
        if org.id not in audited:
            audited.add(org.id)
            links.append((f"操作记录 · {org.name}", "org.audit_trail", "org_id", org))
    return links


# ---- the branch's WeCom group robot ----------------------------------------------------------
def check_robot_webhook(url: str, prefix: str) -> str | None:
    """None when acceptable (empty clears it); else the Chinese reason."""
    url = (url or "").strip()
    if not url:
        return None
    key = url[len(prefix):] if url.startswith(prefix) else ""
    if not key or len(key) > 80 or not all(c.isalnum() or c == "-" for c in key):
        return "地址不对：请粘贴企业微信群机器人的完整 Webhook 地址（以 " + prefix + " 开头）"
    return None


def set_robot_webhook(branch: Organization, url: str, actor) -> None:
    branch.wecom_webhook = (url or "").strip() or None
    # The key is a secret: the audit trail records that it changed, never the key itself.
    audit.record(actor, "org.robot", "organization", branch.id, org_id=branch.id,
                 configured=branch.wecom_webhook is not None)
    db.session.commit()


def masked_webhook(url: str | None) -> str:
    if not url:
        return ""
    head, _, key = url.partition("key=")
    return f"{head}key={key[:4]}…{key[-4:]}" if len(key) > 8 else f"{head}key=…"


def queue_robot_test(branch: Organization) -> None:
    """Queue the robot's test message for the branch's group (commits); the clock's outbox
    job posts it, and the robot page shows how it went."""
    queue_for_branch_group(
        branch, f"【党群小站】{branch.name}群机器人测试：收到这条消息说明设置成功。")
    db.session.commit()


def create_town_admin(name: str, phone: str, password_hash: str, town: str) -> Person:
    """`flask create-admin`: the town committee named `town` (found, or created) and its first
    admin (commits). The caller has normalised the phone and checked that it is free."""
    org = db.session.scalar(select(Organization).where(
        Organization.name == town, Organization.kind == OrgKind.TOWN))
    org = org or insert_org(None, OrgKind.TOWN, town)
    person = Person(name=name, phone=phone, password_hash=password_hash)
    db.session.add(person)
    db.session.flush()
    db.session.add(Membership(person=person, org=org, role=Role.TOWN_ADMIN,
                              started_on=date(2024, 1, 1)))
    audit.record(None, "admin.create", "person", person.id, org_id=org.id)
    db.session.commit()
    return person


def insert_org(parent, kind, name, village=None, slug=None) -> Organization:
    """A new organisation under `parent` with its materialised path ("/1/4/9/"): the one
    place that writes a path (the roster, the town's tree editor, the demo)."""
    org = Organization(parent=parent, kind=kind, name=name, village_name=village, slug=slug,
                       path="")
    db.session.add(org)
    db.session.flush()
    org.path = (parent.path if parent else "/") + f"{org.id}/"
    return org
