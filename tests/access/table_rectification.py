"""整改清单 routes: party members of the branch and the town's admin see the list and items;
officers raise items; 销号 is refused to everyone here (the item has no evidence yet) but the
page answers; another branch and another town see nothing."""
from .rules import Access

MEMBERS_AND_TOWN = frozenset({"member", "group_leader", "recorder", "secretary", "town_admin"})
OFFICERS = frozenset({"secretary", "town_admin"})
OWN_TOWN = frozenset({"town_admin"})
PROBLEM = "组织生活会查摆问题：学习笔记空白"
BRANCH = lambda w: {"org_id": w.branch.id}   # noqa: E731
ITEM = lambda w: {"item_id": w.extra["rectification_item"]}   # noqa: E731


def populate(world):
    from datetime import timedelta

    from partyapp import clock
    from partyapp.extensions import db
    from partyapp.rectification.models import RectificationEvidence, RectificationItem

    item = RectificationItem(org_id=world.branch.id, confirm_org_id=world.branch.id,
                             source="org_life", year=2026, problem=PROBLEM, measures="每月检查笔记",
                             owner_id=world.member.id,
                             due_on=clock.today() + timedelta(days=10))
    db.session.add(item)
    db.session.flush()
    db.session.add(RectificationEvidence(item_id=item.id, text="已检查", photo="a" * 32 + ".jpg",
                                         added_by_id=world.member.id))
    db.session.commit()
    world.extra["rectification_item"] = item.id


ROUTES = {
    "rectification.org_list": Access(MEMBERS_AND_TOWN, params=BRANCH,
                                     secret=lambda w: PROBLEM),
    "rectification.print_view": Access(MEMBERS_AND_TOWN, params=BRANCH,
                                       secret=lambda w: PROBLEM),
    "rectification.detail": Access(MEMBERS_AND_TOWN, params=ITEM, secret=lambda w: PROBLEM),
    # The owner and officers may add evidence (the POST then redirects back with a message).
    "rectification.add_evidence": Access(frozenset({"member", "secretary", "town_admin"}),
                                         method="POST", params=ITEM,
                                         data=lambda w: {"text": "补充材料"}),
    # Anyone who may see the item gets its page back with the reason 销号 is refused.
    "rectification.close": Access(MEMBERS_AND_TOWN, method="POST", params=ITEM),
    # The photo file is not on disk in this table: 404 for everyone, a refusal either way.
    "rectification.photo": Access(frozenset(), params=lambda w: {"name": "a" * 32 + ".jpg"}),
    "rectification.town": Access(OWN_TOWN, params=lambda w: {"town_id": w.town.id},
                                 secret=lambda w: "甲一村"),
}
