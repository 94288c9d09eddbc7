"""The one permission function over roles × own branch / other branch / other town."""
from datetime import date

import pytest

from partyapp import authz
from partyapp.extensions import db
from partyapp.models import Membership, Role

from .factories import make_person

# persona -> permissions it must hold over its own branch
OWN_BRANCH = {
    "member": {"branch.view", "meeting.attend", "meeting.view", "commitment.own", "review.vote",
               "rating.view", "rectification.view"},
    # a group leader's own rights (plan meetings, see the roster) reach the group only
    "group_leader": {"branch.view", "meeting.attend", "meeting.view", "commitment.own",
                     "review.vote", "rating.view", "rectification.view"},
    "recorder": {"branch.view", "meeting.attend", "meeting.view", "meeting.run", "roster.view",
                 "meeting.ledger", "commitment.own", "review.vote", "rating.view",
                 "rectification.view",
                 "dues.record"},     # the recorder keeps the dues book (and sees the bases)
    # never the dues book (bases), nor registering terms or planning the town's training
    "secretary": set(authz.PERMISSIONS) - {"opinion.supervise", "town.oversee", "town.manage",
                                           "calendar.manage", "dues.record", "term.manage",
                                           "training.plan"},
    "villager_rep": {"branch.view", "meeting.attend", "meeting.view", "review.vote", "rating.view"},
    "town_admin": {"branch.view", "roster.view", "roster.manage", "audit.view", "meeting.view",
                   "meeting.ledger", "opinion.supervise", "town.oversee", "town.manage", "calendar.manage",
                   "rating.view", "commitment.judge", "term.view", "term.manage",
                   "training.view", "training.record", "training.plan",   # no dues of people
                   "rectification.view", "rectification.manage", "rectification.confirm",
                   "consolidation.view", "reserve.recommend"},   # the yearly loop's 整顿台账, 书记后备
}


@pytest.mark.parametrize("persona", sorted(OWN_BRANCH))
def test_permissions_over_own_branch_other_branch_and_other_town(world, persona):
    person = getattr(world, persona)
    held = {p for p in authz.PERMISSIONS if authz.can(person, p, world.branch)}
    assert held == OWN_BRANCH[persona]
    other_branch = {p for p in authz.PERMISSIONS if authz.can(person, p, world.other_branch)}
    assert other_branch == (OWN_BRANCH[persona] if persona == "town_admin" else set())
    assert not any(authz.can(person, p, world.far_branch) for p in authz.PERMISSIONS)


def test_group_leader_plans_for_the_group_only(world):
    assert authz.can(world.group_leader, "meeting.plan", world.group)
    assert authz.can(world.group_leader, "roster.view", world.group)
    assert not authz.can(world.group_leader, "meeting.plan", world.branch)


def test_secretary_runs_the_branch_groups_too(world):
    assert authz.can(world.secretary, "meeting.plan", world.group)


def test_ended_role_grants_nothing_but_stays_in_history(world, app_ctx):
    secretary = make_person("前任书记", org=world.branch, roles=())
    db.session.add(Membership(person=secretary, org=world.branch, role=Role.SECRETARY,
                              started_on=date(2020, 1, 1), ended_on=date(2023, 1, 1)))
    db.session.commit()
    assert not authz.can(secretary, "roster.manage", world.branch)
    assert db.session.query(Membership).filter_by(person_id=secretary.id).count() == 1


def test_extra_roles_from_an_object_grant_that_right_only(world):
    assert not authz.can(world.member, "meeting.run", world.branch)
    assert authz.can(world.member, "meeting.run", world.branch, extra_roles=[Role.RECORDER])
    assert not authz.can(world.member, "roster.manage", world.branch, extra_roles=[Role.RECORDER])


def test_anonymous_and_deactivated_people_can_do_nothing(world):
    assert not authz.can(None, "branch.view", world.branch)
    world.member.active = False
    assert not authz.can(world.member, "branch.view", world.branch)


def test_unknown_permission_is_a_programming_error(world):
    with pytest.raises(KeyError):
        authz.can(world.member, "no.such", world.branch)
