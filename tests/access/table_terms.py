"""Terms (届期) routes: the branch's officers see their term; only the town registers it."""
from .rules import Access

BRANCH = lambda w: {"org_id": w.branch.id}   # noqa: E731
VILLAGE = lambda w: "甲一村"                 # noqa: E731


def _record_data(world):
    from partyapp import clock

    return {"started_on": clock.today().isoformat(), "years": "5"}


ROUTES = {
    "terms.town": Access(frozenset({"town_admin"}), params=lambda w: {"town_id": w.town.id},
                         secret=VILLAGE),
    "terms.org_term": Access(frozenset({"secretary", "town_admin"}), params=BRANCH,
                             secret=VILLAGE),
    "terms.record": Access(frozenset({"town_admin"}), method="POST", params=BRANCH,
                           data=_record_data),
}
