"""Town oversight routes: only the town's own admin; branch officers and the admin of another
town are refused and see nothing of town A."""
from .rules import Access

TOWN_ADMINS = frozenset({"town_admin", "other_town_admin"})
OWN_TOWN = frozenset({"town_admin"})
TOWN = lambda w: {"town_id": w.town.id}   # noqa: E731
VILLAGE = lambda w: "甲一村"              # noqa: E731


def populate(world):
    from partyapp import clock
    from partyapp.extensions import db

    from ..factories_opinions import make_opinion

    opinion, _ = make_opinion(world.branch)
    opinion.escalated_at = clock.now()
    db.session.commit()
    world.extra["town_opinion"] = opinion.id


ROUTES = {
    "town.index": Access(TOWN_ADMINS),
    "town.dashboard": Access(OWN_TOWN, params=TOWN, secret=VILLAGE),
    "town.print_view": Access(OWN_TOWN, params=TOWN, secret=VILLAGE),
    "town.report_xlsx": Access(OWN_TOWN, params=TOWN, secret=VILLAGE),
    "town.add_note": Access(OWN_TOWN, method="POST",
                            params=lambda w: {"town_id": w.town.id,
                                              "opinion_id": w.extra["town_opinion"]},
                            data=lambda w: {"text": "请三个工作日内答复并报镇党委"}),
}
