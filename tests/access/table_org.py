"""Roster (花名册), invitations, import and the audit trail: who may use them."""
from .rules import TOWN, Access

ROSTER_READERS = frozenset({"recorder", "secretary", "town_admin"})
ROSTER_MANAGERS = frozenset({"secretary", "town_admin"})


def populate(world):
    from partyapp.extensions import db

    from ..factories import make_person

    # One person per state-changing route, so one route's POST does not disturb another's.
    world.extra["roster_target"] = make_person("花名册甲", org=world.group).id
    world.extra["deactivate_target"] = make_person("待停用甲", org=world.group).id
    world.extra["transfer_target"] = make_person("待转接甲", org=world.group).id
    world.extra["status_target"] = make_person("流动甲", org=world.group).id
    db.session.commit()


def _person(key):
    return lambda w: {"branch_id": w.branch.id, "person_id": w.extra[key]}


ROUTES = {
    "org.roster": Access(ROSTER_READERS, params=lambda w: {"branch_id": w.branch.id},
                         secret=lambda w: "花名册甲"),
    "org.person_new": Access(ROSTER_MANAGERS, params=lambda w: {"branch_id": w.branch.id}),
    "org.person_edit": Access(ROSTER_MANAGERS, params=_person("roster_target"),
                              secret=lambda w: "花名册甲"),
    "org.person_deactivate": Access(ROSTER_MANAGERS, method="POST",
                                    params=_person("deactivate_target")),
    "org.person_invite": Access(ROSTER_MANAGERS, method="POST", params=_person("roster_target"),
                                secret=lambda w: "/auth/invite/"),
    "org.person_login_link": Access(ROSTER_MANAGERS, method="POST",
                                    params=_person("roster_target"), secret=lambda w: "/auth/link/"),
    "org.import_form": Access(ROSTER_MANAGERS, params=lambda w: {"branch_id": w.branch.id}),
    "org.robot": Access(ROSTER_MANAGERS, params=lambda w: {"branch_id": w.branch.id}),
    "org.robot_test": Access(ROSTER_MANAGERS, params=lambda w: {"branch_id": w.branch.id},
                             method="POST"),
    # An empty upload re-renders the form with a Chinese message (200) for those allowed.
    "org.import_roster": Access(ROSTER_MANAGERS, method="POST",
                                params=lambda w: {"branch_id": w.branch.id}),
    "org.import_template": Access(ROSTER_MANAGERS, params=lambda w: {"branch_id": w.branch.id}),
    "org.audit_trail": Access(frozenset({"secretary", "town_admin"}),
                              params=lambda w: {"org_id": w.branch.id}),
    # The town admin runs the organisation of her own town; nobody else, not even a secretary.
    "org.town_orgs": Access(TOWN, params=lambda w: {"town_id": w.town.id},
                            secret=lambda w: "甲一村党支部"),
    "org.town_org_new": Access(TOWN, method="POST", params=lambda w: {"town_id": w.town.id},
                               data=lambda w: {"parent_id": str(w.branch.id), "kind": "group",
                                               "name": "第九党小组"}),
    "org.town_org_edit": Access(TOWN, params=lambda w: {"town_id": w.town.id,
                                                        "org_id": w.group.id}),
    "org.town_term": Access(TOWN, params=lambda w: {"town_id": w.town.id, "org_id": w.branch.id}),
    "org.town_people": Access(TOWN, params=lambda w: {"town_id": w.town.id},
                              secret=lambda w: "普通党员"),
    "org.town_person": Access(TOWN, params=lambda w: {"town_id": w.town.id,
                                                      "person_id": w.member.id},
                              secret=lambda w: "普通党员"),
    "org.town_transfer": Access(TOWN, method="POST", params=lambda w: {
        "town_id": w.town.id, "person_id": w.extra["transfer_target"]},
        data=lambda w: {"target": str(w.other_branch.id), "on": "2024-06-01"}),
    "org.town_status": Access(TOWN, method="POST", params=lambda w: {
        "town_id": w.town.id, "person_id": w.extra["status_target"]},
        data=lambda w: {"status": "mobile", "on": "2024-06-01"}),
}
