"""One 公示 service: a notice per branch, year and subject; one open at a time per subject;
objections stay with the notice they were lodged against."""
from datetime import datetime

from sqlalchemy import select

from partyapp import clock
from partyapp.extensions import db
from partyapp.notices import services as notices
from partyapp.notices.models import NoticeObjection
from partyapp.ratings import notice as star_notice

from .factories_ratings import branch_rubric

MONDAY = datetime(2026, 11, 23, 2, 0, tzinfo=clock.UTC)


def test_a_second_notice_on_the_same_subject_waits_until_the_first_is_over(world, frozen):
    frozen(MONDAY)
    first = notices.publish(world.secretary, world.branch.id, 2026, "satisfaction-Q4", "测评结果")
    db.session.commit()
    second = notices.publish(world.secretary, world.branch.id, 2026, "satisfaction-Q4", "测评结果")
    assert second == "这项公示还在公示期内（至 2026-11-30），期满后才能重新公示"
    # Another subject, another year or another branch is a different notice.
    assert not isinstance(notices.publish(world.secretary, world.branch.id, 2026, "stars", "评星"), str)
    assert not isinstance(notices.publish(world.secretary, world.branch.id, 2025, "satisfaction-Q4", "x"), str)
    assert not isinstance(notices.publish(world.other_branch_secretary, world.other_branch.id, 2026,
                                          "satisfaction-Q4", "x"), str)
    frozen(datetime(2026, 12, 1, 2, 0, tzinfo=clock.UTC))          # the period is over
    again = notices.publish(world.secretary, world.branch.id, 2026, "satisfaction-Q4", "更正")
    assert not isinstance(again, str) and again.id != first.id


def test_the_star_rating_publishes_through_it_and_objections_stay_with_their_notice(
        world, frozen, client, login):
    frozen(MONDAY)
    branch_rubric(world.secretary, world.branch, 2026)
    first = star_notice.publish(world.secretary, world.branch, 2026)
    assert first.subject == "stars"
    assert star_notice.publish(world.secretary, world.branch, 2026).startswith("这项公示还在公示期内")
    login(world.member)
    assert client.post(f"/ratings/p/{first.id}/objections",
                       data={"reason": "服务时长漏登"}).status_code == 303
    frozen(datetime(2026, 12, 1, 2, 0, tzinfo=clock.UTC))
    corrected = star_notice.publish(world.secretary, world.branch, 2026)
    assert corrected.id != first.id
    assert [o.notice_id for o in db.session.scalars(select(NoticeObjection))] == [first.id]
    assert star_notice.objections_of(corrected.id) == []
    assert "服务时长漏登" not in client.get(f"/ratings/p/{corrected.id}").get_data(as_text=True)
    # Another feature's notice is not a star-rating page.
    other = notices.publish(world.secretary, world.branch.id, 2026, "satisfaction-Q4", "测评结果")
    db.session.commit()
    assert client.get(f"/ratings/p/{other.id}").status_code == 404
