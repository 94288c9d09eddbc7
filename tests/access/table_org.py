"""Roster (花名册), invitations, import and the audit trail: who may use them."""
from .rules import Access

ROSTER_READERS = frozenset({"recorder", "secretary", "town_admin"})
ROSTER_MANAGERS = frozenset({"secretary", "town_admin"})


def populate(world):
    from partyapp.extensions import db

    from ..factories import make_person

    # One person per state-changing route, so one route's POST does not disturb another's.
    world.extra["roster_target"] = make_person("花名册甲", org=world.group).id
    world.extra["deactivate_target"] = make_person("待停用甲", org=world.group).id
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
    "org.import_form": Access(ROSTER_MANAGERS, params=lambda w: {"branch_id": w.branch.id}),
    # An empty upload re-renders the form with a Chinese message (200) for those allowed.
    "org.import_roster": Access(ROSTER_MANAGERS, method="POST",
                                params=lambda w: {"branch_id": w.branch.id}),
    "org.import_template": Access(ROSTER_MANAGERS, params=lambda w: {"branch_id": w.branch.id}),
    "org.audit_trail": Access(frozenset({"secretary", "town_admin"}),
                              params=lambda w: {"org_id": w.branch.id}),
}
