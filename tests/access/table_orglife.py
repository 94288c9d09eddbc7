"""民主评议党员 routes: the branch committee and the town see the branch page; the open and
close forms are the committee's; a review's page answers its voters (the branch's members)
and those who see the results."""
from .rules import Access

OFFICERS_AND_TOWN = frozenset({"secretary", "town_admin"})
OFFICERS = frozenset({"secretary"})
BRANCH = lambda w: {"branch_id": w.branch.id}   # noqa: E731
REVIEW = lambda w: {"review_id": w.extra["orglife_review"]}   # noqa: E731


def populate(world):
    from partyapp.extensions import db
    from partyapp.orglife.models import MemberReview

    review = MemberReview(branch_id=world.branch.id, year=2026, opened_by_id=world.secretary.id)
    db.session.add(review)
    db.session.commit()
    world.extra["orglife_review"] = review.id


ROUTES = {
    "orglife.branch": Access(OFFICERS_AND_TOWN, params=BRANCH),
    "orglife.open_review": Access(OFFICERS, params=BRANCH, method="POST"),
    "orglife.review": Access(OFFICERS_AND_TOWN | {"member", "group_leader", "recorder"},
                             params=REVIEW),
    # A member's empty ballot answers the page with a message; officers close and confirm.
    "orglife.cast": Access(frozenset({"member", "group_leader", "recorder", "secretary"}),
                           params=REVIEW, method="POST"),
    "orglife.close": Access(OFFICERS, params=REVIEW, method="POST"),
    "orglife.confirm": Access(OFFICERS, params=REVIEW, method="POST"),
}
