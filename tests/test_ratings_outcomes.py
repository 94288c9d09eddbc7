"""评定公布 (004 §20): after a satisfaction round closes, the branch committee confirms each
member's outcome with the counts beside it before it is published as a 公示; 不合格 is never
published unless ticked for that member; members see their own outcome and, during the notice
period, the branch's list."""
from datetime import datetime

import pytest
from sqlalchemy import func, select

from partyapp import clock
from partyapp.extensions import db
from partyapp.main.services import todo_items
from partyapp.ratings import evaluation
from partyapp.ratings.models import RoundOutcome

from .factories_ratings import make_round

MONDAY = datetime(2026, 11, 23, 2, 0, tzinfo=clock.UTC)
AFTER_THE_PERIOD = datetime(2026, 12, 1, 2, 0, tzinfo=clock.UTC)   # 5 working days: to 11-30


@pytest.fixture
def closed_round(world, frozen):
    """The member gets 不合格 from every voter; the others 合格."""
    frozen(MONDAY)
    round_ = make_round(world.branch, quarter=4)
    members = [world.member, world.group_leader, world.recorder, world.secretary]
    for rater in (world.group_leader, world.recorder, world.secretary, world.villager_rep):
        grades = {p.id: ("poor" if p.id == world.member.id else "good")
                  for p in members if p.id != rater.id}
        assert evaluation.cast_ballot(rater, round_, grades) is None
    assert evaluation.close_round(world.secretary, round_) is None
    return round_


def choices(world, member_grade="poor"):
    return {f"outcome-{world.member.id}": member_grade, f"outcome-{world.group_leader.id}": "good",
            f"outcome-{world.recorder.id}": "good", f"outcome-{world.secretary.id}": "good",
            "notice_days": "5"}


def test_the_committee_sees_counts_and_no_poor_is_preselected(world, closed_round, client, login):
    login(world.secretary)
    page = client.get(f"/ratings/rounds/{closed_round.id}").get_data(as_text=True)
    assert "支委会确认评定结果" in page
    form = page[page.index('id="confirm-outcomes"'):]
    member = form[form.index(f'name="outcome-{world.member.id}"') - 400:]
    assert "不合格 4 票" in member and "按票数为“不合格”" in member
    poor_radio = f'name="outcome-{world.member.id}" value="poor" required checked'
    assert poor_radio not in form                         # the form never starts at 不合格
    assert f'name="outcome-{world.recorder.id}" value="good" required checked' in form


def test_poor_is_published_only_when_ticked_for_that_member(world, closed_round, client, login):
    login(world.secretary)
    url = f"/ratings/rounds/{closed_round.id}/outcomes"
    refused = client.post(url, data=choices(world))
    assert refused.status_code == 200
    assert "评为不合格须由支委会逐人确认" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(RoundOutcome)) == 0
    missing = client.post(url, data={k: v for k, v in choices(world).items()
                                     if k != f"outcome-{world.recorder.id}"})
    assert "请为名单上的每一位党员确认一个等次" in missing.get_data(as_text=True)
    ticked = client.post(url, data=choices(world) | {f"poor-{world.member.id}": "1"})
    assert ticked.status_code == 303
    rows = {o.person_id: (o.grade, o.proposed) for o in db.session.scalars(select(RoundOutcome))}
    assert rows[world.member.id] == ("poor", "poor")
    assert rows[world.recorder.id] == ("good", "good")
    # One 公示 at a time for this round.
    again = client.post(url, data=choices(world, "fair"))
    assert "支委会确认评定结果" not in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(RoundOutcome)) == 4


def test_the_committee_may_decide_otherwise_than_the_counts(world, closed_round, client, login):
    login(world.secretary)
    assert client.post(f"/ratings/rounds/{closed_round.id}/outcomes",
                       data=choices(world, "fair")).status_code == 303
    outcome = db.session.scalar(select(RoundOutcome).where(RoundOutcome.person_id == world.member.id))
    assert (outcome.grade, outcome.proposed) == ("fair", "poor")


def test_members_see_the_list_during_the_period_and_their_own_after(
        world, closed_round, client, login, frozen):
    login(world.secretary)
    client.post(f"/ratings/rounds/{closed_round.id}/outcomes",
                data=choices(world) | {f"poor-{world.member.id}": "1"})
    url = f"/ratings/rounds/{closed_round.id}"
    login(world.recorder)
    page = client.get(url).get_data(as_text=True)
    listed = page[page.index('id="published-outcomes"'):]
    assert "普通党员" in listed and "不合格" in listed and "小组长" in listed
    # The member objects during the period; the secretary answers from 首页.
    login(world.member)
    assert client.post(f"{url}/objections", data={"reason": "我请了病假"}).status_code == 303
    titles = [i for i in todo_items(world.secretary) if "测评异议" in i.title]
    assert [i.title for i in titles] == ["答复测评异议：普通党员"]
    login(world.secretary)
    assert client.get(titles[0].link).headers["Location"].endswith(f"{url}#outcomes")
    frozen(AFTER_THE_PERIOD)
    login(world.recorder)
    page = client.get(url).get_data(as_text=True)
    listed = page[page.index('id="published-outcomes"'):page.index("</ul>", page.index('id="published-outcomes"'))]
    assert "记录员" in listed and "普通党员" not in listed
    login(world.town_admin)
    page = client.get(url).get_data(as_text=True)
    assert "普通党员" in page[page.index('id="published-outcomes"'):]
    # Outsiders never see it.
    login(world.other_member)
    assert client.get(url).status_code == 403


def test_a_member_not_on_the_list_cannot_object(world, closed_round, client, login):
    login(world.secretary)
    client.post(f"/ratings/rounds/{closed_round.id}/outcomes",
                data=choices(world, "fair"))
    login(world.villager_rep)
    response = client.post(f"/ratings/rounds/{closed_round.id}/objections", data={"reason": "x"})
    assert "只有名单上的党员可以" in response.get_data(as_text=True)
