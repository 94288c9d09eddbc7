"""Factories: small functions that make rows. No giant fixtures."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from itertools import count

from pypinyin import lazy_pinyin
from werkzeug.security import generate_password_hash

from partyapp.demo import add_org, add_role
from partyapp.extensions import db
from partyapp.models import Organization, OrgKind, PartyStatus, Person, Role

PASSWORD = "pass1234"
_PASSWORD_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
_phones = count(1)


def next_phone() -> str:
    return f"139{next(_phones) + 10_000_000:08d}"


def make_town(name="测试镇党委") -> Organization:
    return add_org(None, OrgKind.TOWN, name)


def make_branch(town, slug, village=None) -> Organization:
    village = village or f"{slug}村"
    return add_org(town, OrgKind.BRANCH, f"{village}党支部", village=village, slug=slug)


def make_group(branch, name="第一党小组") -> Organization:
    return add_org(branch, OrgKind.GROUP, name)


def make_person(name="测试党员", *, org=None, roles=(Role.MEMBER,), status=PartyStatus.FULL,
                phone=None, joined=date(2000, 7, 1), villager_rep=False, post=None) -> Person:
    person = Person(name=name, name_pinyin=" ".join(lazy_pinyin(name)), phone=phone or next_phone(),
                    password_hash=_PASSWORD_HASH, party_status=status,
                    joined_party_on=joined if status else None, is_villager_rep=villager_rep)
    db.session.add(person)
    db.session.flush()
    for role in roles if org is not None else ():
        add_role(person, org, role, post=post if role == Role.COMMITTEE else None)
    return person


@dataclass
class World:
    """The standard cast for permission tests."""

    town: Organization
    branch: Organization          # A1, the branch the personas belong to
    group: Organization
    other_branch: Organization    # A2, same town
    other_town: Organization
    far_branch: Organization      # B1, another town
    people: dict = field(default_factory=dict)  # persona -> Person
    extra: dict = field(default_factory=dict)   # feature tables put their objects here

    def __getattr__(self, name):
        people = self.__dict__.get("people", {})
        if name in people:
            return people[name]
        raise AttributeError(name)


PERSONAS = ("anonymous", "member", "group_leader", "recorder", "secretary", "villager_rep",
            "town_admin", "other_branch_secretary", "other_town_admin")


def build_world() -> World:
    town = make_town("甲镇党委")
    branch = make_branch(town, "jia1", "甲一村")
    group = make_group(branch)
    other_branch = make_branch(town, "jia2", "甲二村")
    other_town = make_town("乙镇党委")
    far_branch = make_branch(other_town, "yi1", "乙一村")
    w = World(town, branch, group, other_branch, other_town, far_branch)
    w.people["member"] = make_person("普通党员", org=group)
    w.people["group_leader"] = make_person("小组长", org=group, roles=(Role.MEMBER, Role.GROUP_LEADER))
    w.people["recorder"] = make_person("记录员", org=branch, roles=(Role.MEMBER, Role.RECORDER))
    w.people["secretary"] = make_person("书记甲", org=branch,
                                        roles=(Role.MEMBER, Role.SECRETARY, Role.COMMITTEE),
                                        post="村委会主任")
    w.people["villager_rep"] = make_person("代表甲", org=branch, roles=(Role.VILLAGER_REP,),
                                           status=None, villager_rep=True)
    w.people["town_admin"] = make_person("镇管理员", org=town, roles=(Role.TOWN_ADMIN,), status=None)
    w.people["other_branch_secretary"] = make_person(
        "书记乙", org=other_branch, roles=(Role.MEMBER, Role.SECRETARY))
    w.people["other_town_admin"] = make_person("乙镇管理员", org=other_town,
                                               roles=(Role.TOWN_ADMIN,), status=None)
    w.people["other_member"] = make_person("乙村党员", org=other_branch)
    w.people["far_member"] = make_person("远方党员", org=far_branch)
    db.session.commit()
    return w
