"""Demo data: one town, two villages (each a branch with two party groups), ~40 members.
The log-ins are fixed and listed in the README. Never runs against a non-empty database."""
from dataclasses import dataclass, field
from datetime import date

from pypinyin import lazy_pinyin
from sqlalchemy import func, select

from .extensions import db
from .models import Membership, Organization, OrgKind, PartyStatus, Person, Role
from .org.services import insert_org as add_org  # noqa: F401  (the tree's path rule)

DEMO_PASSWORD = "demo1234"

# (role label for the README, village, phone) — kept in sync with README.md
DEMO_LOGINS = [
    ("镇党委管理员", "青山镇", "13900000000"),
    ("书记（兼村委会主任）", "东湖村", "13800000001"),
    ("组织委员", "东湖村", "13800000002"),
    ("记录人（兼两委委员）", "东湖村", "13800000003"),
    ("党小组长", "东湖村", "13800000004"),
    ("党员", "东湖村", "13800000010"),
    ("村民代表（非党员）", "东湖村", "13700000001"),
    ("书记", "西岭村", "13800000101"),
    ("党员", "西岭村", "13800000110"),
]

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
_GIVEN = ["建国", "秀英", "桂兰", "志强", "海燕", "德明", "玉梅", "国平", "春花", "永福",
          "丽华", "文军", "红梅", "家明", "淑珍", "长青", "金凤", "宝山", "晓东", "美玲"]


@dataclass
class DemoContext:
    """What the core seed made, handed to each feature's demo.seed(ctx)."""

    town: Organization
    villages: dict = field(default_factory=dict)     # slug -> branch
    groups: dict = field(default_factory=dict)       # slug -> [group, group]
    people: dict = field(default_factory=dict)       # phone -> Person
    members: dict = field(default_factory=dict)      # slug -> [Person] (party members)
    reps: dict = field(default_factory=dict)         # slug -> [Person] (villager reps)
    # slug -> [Person]: collective-economy leaders, shareholder and migrant-worker reps
    others: dict = field(default_factory=dict)


def database_is_empty() -> bool:
    return (db.session.scalar(select(func.count(Person.id))) or 0) == 0


def seed_demo(password_hash: str) -> DemoContext:
    """The core demo (town, villages, people), then each feature's declared demo rows."""
    from .features import registry

    town = add_org(None, OrgKind.TOWN, "青山镇党委")
    ctx = DemoContext(town=town)
    admin = add_person(ctx, "何志远", "13900000000", password_hash, None)
    add_role(admin, town, Role.TOWN_ADMIN, post="组织委员")
    _seed_village(ctx, "donghu", "东湖村", 1, password_hash)
    _seed_village(ctx, "xiling", "西岭村", 101, password_hash)
    db.session.commit()
    for seed in registry().demo_seeders():
        seed(ctx)
        db.session.commit()
    return ctx


def _seed_village(ctx, slug, village, first, password_hash):
    branch = add_org(ctx.town, OrgKind.BRANCH, f"{village}党支部", village=village, slug=slug)
    groups = [add_org(branch, OrgKind.GROUP, f"第{n}党小组") for n in ("一", "二")]
    ctx.villages[slug], ctx.groups[slug], ctx.members[slug], ctx.reps[slug] = branch, groups, [], []
    offset = 0 if slug == "donghu" else 7
    for i in range(19):
        name = _SURNAMES[(i + offset) % len(_SURNAMES)] + _GIVEN[(i * 3 + offset) % len(_GIVEN)]
        status = PartyStatus.PROBATIONARY if i in (17, 18) else PartyStatus.FULL
        person = add_person(ctx, name, f"138{first + i if i < 4 else first + i + 5:08d}",
                            password_hash, status, joined=date(1975 + i * 2, 7, 1))
        ctx.members[slug].append(person)
        add_role(person, groups[i % 2], Role.MEMBER)
    secretary, organizer, recorder, leader = ctx.members[slug][:4]
    add_role(secretary, branch, Role.SECRETARY)
    add_role(secretary, branch, Role.COMMITTEE, post="村委会主任")  # 一肩挑
    add_role(organizer, branch, Role.ORGANIZER)
    add_role(organizer, branch, Role.COMMITTEE, post="村委会委员")
    add_role(recorder, branch, Role.RECORDER)
    add_role(recorder, branch, Role.COMMITTEE, post="村委会委员")
    add_role(leader, groups[0], Role.GROUP_LEADER)
    add_role(ctx.members[slug][5], groups[1], Role.GROUP_LEADER)
    for i, name in enumerate(["钱有福", "孔凡英", "冯大海"]):
        rep = add_person(ctx, name, f"137{first + i:08d}", password_hash, None)
        rep.is_villager_rep = True
        add_role(rep, branch, Role.VILLAGER_REP)
        ctx.reps[slug].append(rep)
    for member in ctx.members[slug][6:9]:  # some members are representatives too
        member.is_villager_rep = True
        add_role(member, branch, Role.VILLAGER_REP)
        ctx.reps[slug].append(member)
    _seed_circles(ctx, slug, branch, first, password_hash)


def _seed_circles(ctx, slug, branch, first, password_hash) -> None:
    """The rest of the branch committee, the collective-economy leaders (one party member, one
    not) and the other representatives the seeds name: each meeting kind's circle has people."""
    members = ctx.members[slug]
    add_role(members[4], branch, Role.PUBLICITY)
    add_role(members[5], branch, Role.DISCIPLINE)
    add_role(members[7], branch, Role.BRANCH_COMMITTEE)
    add_role(members[9], branch, Role.COLLECTIVE_LEADER, post="股份经济合作社社长")
    ctx.others[slug] = [members[9]]
    for i, (name, role, post) in enumerate([
            ("邓富贵", Role.COLLECTIVE_LEADER, "股份经济合作社会计"),
            ("严春生", Role.SHAREHOLDER_REP, None), ("彭小燕", Role.MIGRANT_REP, None)]):
        person = add_person(ctx, name, f"137{first + 10 + i:08d}", password_hash, None)
        add_role(person, branch, role, post=post)
        ctx.others[slug].append(person)


def add_person(ctx, name, phone, password_hash, status, joined=None) -> Person:
    person = Person(name=name, name_pinyin=" ".join(lazy_pinyin(name)), phone=phone,
                    password_hash=password_hash, party_status=status,
                    joined_party_on=joined if status else None)
    db.session.add(person)
    db.session.flush()
    if ctx is not None:
        ctx.people[phone] = person
    return person


def add_role(person, org, role, post=None) -> Membership:
    membership = Membership(person=person, org=org, role=role, post=post,
                            started_on=date(2024, 1, 1))
    db.session.add(membership)
    return membership
