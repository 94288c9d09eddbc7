"""整改清单, one service for every list of problems to put right: a branch's 组织生活会 查摆问题,
the town's 督导整改 and the 整顿台账 of a 软弱涣散 branch. 整改一个，销号一个:

- an item says what is wrong, who is responsible, by when, and the measures;
- the one responsible (or an officer) adds evidence: a text, optionally a photo;
- 销号 needs evidence and a second person holding `rectification.confirm` over the item's
  `confirm_org`: never the one responsible, nor whoever gave the evidence;
- the clock reminds once three days before the deadline and once when it has passed;
- the town sees every branch's open and overdue items; the list prints for the 台账.

The feature raising items passes `source` (models.Source) and `source_ref` (its own id, e.g.
the meeting). Every function that changes something commits and writes the audit trail.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.orm import selectinload

from .. import audit, clock
from ..authz import MEMBER_ROLES, can
from ..extensions import db
from ..models import Membership, Organization, OrgKind, Person, Role
from ..notify import services as notify
from .models import RectificationEvidence, RectificationItem, Source, Status

MAX_PROBLEM = 500
MAX_MEASURES = 1000
MAX_EVIDENCE = 1000
MAX_PHOTOS_PER_ITEM = 9
DUE_SOON_DAYS = 3
CONFIRMER_ROLES = (Role.SECRETARY, Role.DEPUTY_SECRETARY, Role.TOWN_ADMIN)


# ---- reading --------------------------------------------------------------------------------
def item_by_id(item_id: int) -> RectificationItem | None:
    return db.session.get(RectificationItem, item_id)


def items_of(org: Organization, *, status: str | None = None,
             source: str | None = None, source_ref: int | None = None) -> list[RectificationItem]:
    """The items of an organisation and everything below it (a town: all its branches)."""
    query = (select(RectificationItem).join(RectificationItem.org)
             .where(Organization.path.startswith(org.path))
             .options(selectinload(RectificationItem.owner), selectinload(RectificationItem.org),
                      selectinload(RectificationItem.closed_by)))
    if status:
        query = query.where(RectificationItem.status == status)
    if source:
        query = query.where(RectificationItem.source == source)
    if source_ref is not None:
        query = query.where(RectificationItem.source_ref == source_ref)
    return list(db.session.scalars(query.order_by(
        RectificationItem.status.desc(), RectificationItem.due_on, RectificationItem.id)))


def evidence_of(item_id: int) -> list[RectificationEvidence]:
    return list(db.session.scalars(
        select(RectificationEvidence).where(RectificationEvidence.item_id == item_id)
        .options(selectinload(RectificationEvidence.added_by))
        .order_by(RectificationEvidence.added_at, RectificationEvidence.id)))


def evidence_by_item(item_ids) -> dict[int, list[RectificationEvidence]]:
    """Evidence of many items in one query (the printed 台账)."""
    found: dict[int, list[RectificationEvidence]] = {}
    if item_ids:
        for piece in db.session.scalars(
                select(RectificationEvidence).where(RectificationEvidence.item_id.in_(item_ids))
                .order_by(RectificationEvidence.added_at, RectificationEvidence.id)):
            found.setdefault(piece.item_id, []).append(piece)
    return found


def photo_item(name: str) -> RectificationItem | None:
    return db.session.scalar(select(RectificationItem).join(
        RectificationEvidence, RectificationEvidence.item_id == RectificationItem.id)
        .where(RectificationEvidence.photo == name))


def responsible_people(org: Organization) -> list[Person]:
    """Who may be made responsible for an item of `org`'s list: the party members and officers
    holding a role there or below (a branch's groups included)."""
    today = clock.today()
    return list(db.session.scalars(
        select(Person).join(Membership, Membership.person_id == Person.id)
        .join(Organization, Organization.id == Membership.org_id)
        .where(Organization.path.startswith(org.path), Person.active.is_(True),
               Membership.role.in_(MEMBER_ROLES | {Role.TOWN_ADMIN}),
               or_(Membership.ended_on.is_(None), Membership.ended_on > today))
        .distinct().order_by(Person.name_pinyin, Person.id)))


@dataclass(frozen=True)
class Counts:
    open: int = 0
    overdue: int = 0
    closed: int = 0

    @property
    def total(self) -> int:
        return self.open + self.closed


def town_counts(town: Organization) -> list[tuple[Organization, Counts]]:
    """Each active branch under `town` with its open / overdue / closed items: ONE query."""
    today = clock.today()
    item = RectificationItem
    is_open = item.status == Status.OPEN
    rows = db.session.execute(
        select(Organization,
               func.sum(case((is_open, 1), else_=0)),
               func.sum(case((and_(is_open, item.due_on < today), 1), else_=0)),
               func.sum(case((item.status == Status.CLOSED, 1), else_=0)))
        .outerjoin(item, item.org_id == Organization.id)
        .where(Organization.path.startswith(town.path), Organization.active.is_(True),
               Organization.kind.in_((OrgKind.BRANCH, OrgKind.GENERAL_BRANCH)))
        .group_by(Organization.id).order_by(Organization.path)).all()
    return [(org, Counts(int(o or 0), int(d or 0), int(c or 0))) for org, o, d, c in rows]


# ---- rules ----------------------------------------------------------------------------------
def raise_problems(actor, org: Organization, *, problem: str, measures: str, owner_id: int,
                   due_on: date | None) -> list[str]:
    problems = []
    if not can(actor, "rectification.manage", org):
        problems.append("你没有在这个组织列整改事项的权限")
    problem, measures = (problem or "").strip(), (measures or "").strip()
    if not 2 <= len(problem) <= MAX_PROBLEM:
        problems.append(f"问题请写 2 到 {MAX_PROBLEM} 个字")
    if not 2 <= len(measures) <= MAX_MEASURES:
        problems.append(f"整改措施请写 2 到 {MAX_MEASURES} 个字")
    if owner_id not in {person.id for person in responsible_people(org)}:
        problems.append("责任人应是本组织的党员或干部")
    today = clock.today()
    if due_on is None or due_on < today:
        problems.append("整改时限不能早于今天")
    elif due_on > today + timedelta(days=731):
        problems.append("整改时限最长两年")
    return problems


def raise_item(actor, org: Organization, *, problem: str, measures: str, owner_id: int,
               due_on: date | None, source: str = Source.ORG_LIFE, source_ref: int | None = None,
               confirm_org: Organization | None = None) -> RectificationItem | list[str]:
    """Put one problem on `org`'s 整改清单; returns the item, or the Chinese problems."""
    if source not in Source.LABELS:
        return ["整改事项的来源不对"]
    problems = raise_problems(actor, org, problem=problem, measures=measures, owner_id=owner_id,
                              due_on=due_on)
    if problems:
        return problems
    confirm_org = confirm_org or org
    item = RectificationItem(
        org_id=org.id, confirm_org_id=confirm_org.id, source=source, source_ref=source_ref,
        year=clock.today().year, problem=problem.strip(), measures=measures.strip(),
        owner_id=owner_id, due_on=due_on, created_by_id=actor.id)
    db.session.add(item)
    db.session.flush()
    audit.record(actor, "rectification.raise", "rectification_item", item.id, org_id=org.id,
                 source=source, owner_id=owner_id, due_on=due_on)
    notify.notify([owner_id], f"整改事项：{item.problem[:40]}",
                  f"请在 {due_on.isoformat()} 前完成整改，并上传整改材料。",
                  link=f"/rectification/{item.id}", kind="rectification")
    db.session.commit()
    return item


def may_add_evidence(person, item: RectificationItem) -> bool:
    return person is not None and getattr(person, "is_authenticated", False) and (
        person.id == item.owner_id or can(person, "rectification.manage", item.org))


def add_evidence(actor, item: RectificationItem, text: str, photo: str | None = None) -> str | None:
    """Record what was done (text, optionally a cleaned photo's file name). Returns a problem."""
    if item.is_closed:
        return "这项整改已经销号，不能再补充材料"
    if not may_add_evidence(actor, item):
        return "只有责任人或支部干部可以提交整改材料"
    text = (text or "").strip()
    if not 2 <= len(text) <= MAX_EVIDENCE:
        return f"整改情况请写 2 到 {MAX_EVIDENCE} 个字"
    if photo is not None and photo_count(item.id) >= MAX_PHOTOS_PER_ITEM:
        return f"每项整改最多 {MAX_PHOTOS_PER_ITEM} 张照片"
    evidence = RectificationEvidence(item_id=item.id, text=text, photo=photo,
                                     added_by_id=actor.id)
    db.session.add(evidence)
    db.session.flush()
    audit.record(actor, "rectification.evidence", "rectification_item", item.id,
                 org_id=item.org_id, evidence_id=evidence.id, photo=bool(photo))
    confirmers = [pid for pid in confirmer_ids([item.confirm_org_id]).get(item.confirm_org_id, [])
                  if pid not in (item.owner_id, actor.id)]
    notify.notify(confirmers, f"整改材料待确认销号：{item.problem[:40]}",
                  f"{actor.name} 提交了整改材料，请核实后销号。",
                  link=f"/rectification/{item.id}", kind="rectification")
    db.session.commit()
    return None


def photo_count(item_id: int) -> int:
    return db.session.scalar(select(func.count(RectificationEvidence.id)).where(
        RectificationEvidence.item_id == item_id, RectificationEvidence.photo.is_not(None))) or 0


def close_problem(person, item: RectificationItem) -> str | None:
    """Why `person` may not 销号 this item now (None: they may)."""
    if item.is_closed:
        return "这项整改已经销号"
    if not can(person, "rectification.confirm", item.confirm_org):
        return "销号需要书记、副书记或镇党委确认"
    if person.id == item.owner_id:
        return "责任人不能给自己的整改事项销号，请由另一位有权限的同志确认"
    evidence = evidence_of(item.id)
    if not evidence:
        return "还没有整改材料（文字或照片），不能销号"
    if person.id in {piece.added_by_id for piece in evidence}:
        return "提交整改材料的人不能自己确认销号，请由另一位有权限的同志确认"
    return None


def close_item(actor, item: RectificationItem, note: str = "") -> str | None:
    """销号: confirmed by a second person with the right, with evidence. Returns a problem."""
    note = (note or "").strip()
    if len(note) > 500:
        return "确认意见最多 500 个字"
    db.session.execute(select(RectificationItem.id).where(RectificationItem.id == item.id)
                       .with_for_update())
    db.session.refresh(item)
    problem = close_problem(actor, item)
    if problem:
        return problem
    item.status, item.closed_at, item.closed_by_id = Status.CLOSED, clock.now(), actor.id
    item.closing_note = note or None
    audit.record(actor, "rectification.close", "rectification_item", item.id,
                 org_id=item.org_id, note=note)
    notify.notify([item.owner_id], f"整改事项已销号：{item.problem[:40]}",
                  f"{actor.name} 确认整改到位，已销号。", link=f"/rectification/{item.id}",
                  kind="rectification")
    db.session.commit()
    return None


def confirmer_ids(org_ids) -> dict[int, list[int]]:
    """The people who may 销号 items confirmed in each organisation (its secretary and deputy,
    and the admins of the town above it), in one query."""
    org_ids = set(org_ids)
    if not org_ids:
        return {}
    orgs = list(db.session.scalars(select(Organization).where(Organization.id.in_(org_ids))))
    ancestors = {ancestor for org in orgs for ancestor in org.ancestor_ids}
    today = clock.today()
    rows = db.session.execute(
        select(Membership.org_id, Membership.role, Membership.person_id)
        .where(Membership.org_id.in_(ancestors), Membership.role.in_(CONFIRMER_ROLES),
               or_(Membership.ended_on.is_(None), Membership.ended_on > today))).all()
    found: dict[int, list[int]] = {}
    for org in orgs:
        reach = set(org.ancestor_ids)
        found[org.id] = sorted({pid for org_id, role, pid in rows if org_id in reach and (
            role == Role.TOWN_ADMIN or org_id == org.id)})
    return found


# ---- the clock ------------------------------------------------------------------------------
def send_reminders() -> int:
    """Once before (three days) and once after the deadline, each open item reminds its owner;
    an overdue one also tells the people who confirm. Claimed with one conditional UPDATE each,
    so a second run (or a second clock) sends nothing more. Returns how many items."""
    today, now = clock.today(), clock.now()
    soon = _claim(RectificationItem.due_soon_reminded_at,
                  and_(RectificationItem.due_on >= today,
                       RectificationItem.due_on <= today + timedelta(days=DUE_SOON_DAYS)), now)
    late = _claim(RectificationItem.overdue_reminded_at, RectificationItem.due_on < today, now)
    items = {item.id: item for item in db.session.scalars(
        select(RectificationItem).where(RectificationItem.id.in_(soon + late)))}
    confirmers = confirmer_ids({items[i].confirm_org_id for i in late})
    for item_id in soon:
        item = items[item_id]
        notify.notify([item.owner_id], f"整改即将到期：{item.problem[:40]}",
                      f"整改时限 {item.due_on.isoformat()}，请抓紧完成并上传整改材料。",
                      link=f"/rectification/{item.id}", kind="rectification")
    for item_id in late:
        item = items[item_id]
        notify.notify([item.owner_id, *confirmers.get(item.confirm_org_id, [])],
                      f"整改已超期：{item.problem[:40]}",
                      f"整改时限 {item.due_on.isoformat()} 已过，尚未销号。",
                      link=f"/rectification/{item.id}", kind="rectification")
    db.session.commit()
    return len(soon) + len(late)


def _claim(column, condition, now) -> list[int]:
    result = db.session.execute(
        update(RectificationItem)
        .where(RectificationItem.status == Status.OPEN, column.is_(None), condition)
        .values({column.key: now}).returning(RectificationItem.id)
        .execution_options(synchronize_session=False))
    return [row[0] for row in result]


# ---- the 首页 list --------------------------------------------------------------------------
def todo_items(person) -> list:
    from ..main.services import TodoItem

    today = clock.today()
    mine = list(db.session.scalars(select(RectificationItem).where(
        RectificationItem.owner_id == person.id, RectificationItem.status == Status.OPEN)
        .order_by(RectificationItem.due_on).limit(20)))
    return [TodoItem(title=f"整改：{item.problem[:30]}", link=f"/rectification/{item.id}",
                     detail=("已超期，" if item.is_overdue(today) else "") +
                     f"时限 {item.due_on.isoformat()}",
                     due_at=clock.end_of_local_day(item.due_on), urgent=item.is_overdue(today))
            for item in mine]
