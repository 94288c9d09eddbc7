"""公示: a notice period in working days, objections during it, final after it; visible to the
branch and the town only. And the e-card on 我的."""
import re
from datetime import date, datetime, timedelta

from sqlalchemy import select

from partyapp import clock
from partyapp.extensions import db
from partyapp.main.services import todo_items
from partyapp.meetings import services as meeting_services
from partyapp.models import Notification
from partyapp.ratings import notice
from partyapp.ratings.models import Objection, PublishedResult

from .factories_disclosures import make_commitment
from .factories_ratings import branch_rubric

EVE_OF_NATIONAL_DAY = datetime(2026, 9, 29, 2, 0, tzinfo=clock.UTC)   # 10:00 in China


def publish_on(world, frozen, moment, days=5):
    frozen(moment)
    branch_rubric(world.secretary, world.branch, moment.year)
    return notice.publish(world.secretary, world.branch, moment.year, days)


def test_notice_period_counts_working_days_across_national_day(world, frozen):
    publication = publish_on(world, frozen, EVE_OF_NATIONAL_DAY)
    # The official 2026 schedule: 10-01..07 off, 10-10 (Sat) a make-up working day.
    # 09-30 (1), 10-08 Thu (2), 10-09 Fri (3), 10-10 Sat (4), [10-11 Sun off], 10-12 Mon (5).
    assert publication.published_on == date(2026, 9, 29)
    assert publication.ends_on == date(2026, 10, 12)
    assert publication.is_open(date(2026, 10, 12)) and not publication.is_final(date(2026, 10, 12))
    assert publication.is_final(date(2026, 10, 13))


def test_notice_period_across_a_spring_festival(world, frozen):
    # 2026-02-13 (Fri) published, 3 working days: 02-14 Sat make-up (1), then 02-15..23 off,
    # 02-24 (2), 02-25 (3).
    publication = publish_on(world, frozen, datetime(2026, 2, 13, 2, 0, tzinfo=clock.UTC), days=3)
    assert publication.ends_on == date(2026, 2, 25)


def test_results_are_a_snapshot_in_pinyin_order(world, frozen):
    publication = publish_on(world, frozen, EVE_OF_NATIONAL_DAY)
    results = notice.sorted_results(notice.publication_with_results(publication.id))
    assert [r.person.name for r in results] == ["记录员", "普通党员", "书记甲", "小组长"]
    # Nothing recorded yet: base 60 + full marks where nothing applies (opinions 5,
    # satisfaction 10, attendance 12), commitments 0, hours 0, manual 0.
    assert {r.score for r in results} == {87.0}
    assert {r.stars for r in results} == {3}


def test_objection_flow_during_the_period_and_final_after_it(world, frozen, client, login):
    publication = publish_on(world, frozen, EVE_OF_NATIONAL_DAY)
    assert db.session.scalar(select(Notification).where(
        Notification.person_id == world.member.id, Notification.title.like("%评星结果公示")))
    frozen(datetime(2026, 10, 12, 14, 0, tzinfo=clock.UTC))     # 22:00 on the last day
    login(world.member)
    url = f"/ratings/p/{publication.id}"
    assert "公示中" in client.get(url).get_data(as_text=True)
    response = client.post(f"{url}/objections", data={"reason": "第三季度的服务时长漏登"})
    assert response.status_code == 303
    objection = db.session.scalar(select(Objection))
    assert objection.person_id == world.member.id
    assert [i.title for i in todo_items(world.secretary) if "异议" in i.title] == [
        "答复评星异议：普通党员"]
    login(world.secretary)
    page = client.get(url).get_data(as_text=True)
    assert "第三季度的服务时长漏登" in page
    response = client.post(f"/ratings/objections/{objection.id}/answer",
                           data={"answer": "已核实，补登 4 小时，得分更新后重新公示"})
    assert response.status_code == 303
    assert db.session.get(Objection, objection.id).answered_by_id == world.secretary.id
    assert not [i for i in todo_items(world.secretary) if "异议" in i.title]
    assert db.session.scalar(select(Notification).where(
        Notification.person_id == world.member.id, Notification.title == "你对评星公示的异议已答复"))
    # The day after the period: final, no more objections.
    frozen(datetime(2026, 10, 12, 16, 0, tzinfo=clock.UTC))     # 00:00 on 10-13 in China
    login(world.group_leader)
    page = client.get(url).get_data(as_text=True)
    assert "结果已确定" in page and "提出异议" not in page
    assert "第三季度的服务时长漏登" not in page      # others' objections are not shown to members
    response = client.post(f"{url}/objections", data={"reason": "太晚了"})
    assert "公示期已结束" in response.get_data(as_text=True)
    assert db.session.scalar(select(Objection).where(Objection.reason == "太晚了")) is None


def test_only_the_branch_and_its_town_see_the_result(world, frozen, client, login):
    publication = publish_on(world, frozen, EVE_OF_NATIONAL_DAY)
    url = f"/ratings/p/{publication.id}"
    for persona, status in (("member", 200), ("villager_rep", 200), ("town_admin", 200),
                            ("other_branch_secretary", 403), ("other_member", 403),
                            ("far_member", 403), ("other_town_admin", 403)):
        login(getattr(world, persona))
        response = client.get(url)
        assert response.status_code == status, persona
        if status == 403:
            assert "普通党员" not in response.get_data(as_text=True)
    client.post("/auth/logout")
    assert client.get(url).status_code in (302, 303)
    # Not on the public village page either.
    assert "普通党员" not in client.get(f"/v/{world.branch.slug}/results").get_data(as_text=True)
    # A villager rep sees the result but cannot object (not rated).
    login(world.villager_rep)
    assert client.post(f"{url}/objections", data={"reason": "x"}).status_code == 403


def test_publish_validates_the_period_and_needs_a_rubric(world, frozen, client, login):
    frozen(EVE_OF_NATIONAL_DAY)
    login(world.secretary)
    url = f"/ratings/b/{world.branch.id}/publish"
    client.post(url, data={"year": "2026", "notice_days": "5"})
    assert db.session.scalar(select(PublishedResult)) is None          # no rubric yet
    branch_rubric(world.secretary, world.branch)
    client.post(url, data={"year": "2026", "notice_days": "0"})
    assert db.session.scalar(select(PublishedResult)) is None
    assert client.post(url, data={"year": "2026", "notice_days": "7"}).status_code == 303
    assert db.session.scalar(select(PublishedResult)) is not None


def test_the_e_card_on_me(world, frozen, client, login):
    frozen(datetime(2026, 11, 23, 2, 0, tzinfo=clock.UTC))
    make_commitment(world.branch, world.member, kind="member", title="每月义务清扫村口公园",
                    due_on=date(2026, 12, 31))
    make_commitment(world.branch, world.member, kind="member", title="已经做完的事",
                    due_on=date(2026, 5, 31), status="kept")
    meeting_services.issue_code(world.secretary, world.member.id)
    db.session.commit()
    login(world.member)
    page = client.get("/me").get_data(as_text=True)
    card = page[page.index('id="ratings-ecard"'):]
    card = card[:card.index("</section>")]
    assert "普通党员" in card and "甲一村党支部" in card
    assert "正式党员 · 党龄 26 年" in card                 # joined 2000-07-01
    assert "担任：党员" in card
    assert "每月义务清扫村口公园" in card and "已经做完的事" not in card
    assert "星级：暂未评定" in card
    assert 'href="#meetings-me"' in card
    assert page.count('alt="我的个人签到码"') == 1           # the code block is not duplicated
    assert 'alt="扫码查看本村公开的承诺"' in card
    # After 公示, the stars are on the card.
    branch_rubric(world.secretary, world.branch)
    notice.publish(world.secretary, world.branch, 2026)
    card = client.get("/me").get_data(as_text=True)
    # 60 + attendance 12 (no meeting) + commitments 8 × 1/2 + opinions 5 (n/a) + hours 0
    # + satisfaction 10 (no round yet) = 91 → 4 stars.
    assert "★★★★☆" in card and "2026年评定（公示中）" in card
    frozen(datetime(2026, 11, 23, 2, 0, tzinfo=clock.UTC) + timedelta(days=30))
    assert "2026年评定（已确定）" in client.get("/me").get_data(as_text=True)


def test_the_town_compares_branches_never_people(world, frozen, client, login):
    publication = publish_on(world, frozen, EVE_OF_NATIONAL_DAY)
    assert notice.results_of(publication)
    login(world.town_admin)
    page = client.get(f"/ratings/town/{world.town.id}?year=2026").get_data(as_text=True)
    table = re.sub(r">\s+<", "><", page[page.index('id="town-branches"'):])
    # 甲一村: four members, all 3 stars (87 points each); 甲二村 has not published.
    assert "<td>公示中（4 人）</td><td>0</td><td>0</td><td>4</td><td>0</td><td>0</td><td>0</td>" in table
    assert "未公示" in table
    assert "普通党员" not in page and "书记甲" not in page
    login(world.other_town_admin)
    assert client.get(f"/ratings/town/{world.town.id}").status_code == 403
    login(world.secretary)
    assert client.get(f"/ratings/town/{world.town.id}").status_code == 403
