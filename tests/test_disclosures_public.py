"""The public village tabs 承诺 · 决策 · 结果: no log-in, 最后更新 times, filter by person,
a QR back to the live page, a fixed number of queries — and nothing private, ever."""
import base64
import re
from datetime import date
from io import BytesIO

import pytest
import zxingcpp
from PIL import Image

from partyapp.disclosures import commitments as commitment_service
from partyapp.disclosures import reviews
from partyapp.disclosures.decisions import StepInput, record_step
from partyapp.extensions import db
from partyapp.models import Role

from .factories import make_person
from .factories_disclosures import make_commitment, make_decision, make_round

PUBLIC_TABS = ("commitments", "decisions", "results", "opinions")
MARKER_PHONES = ("13912340001", "13912340002", "13912340003")
MINUTES_MARKER = "内部纪要标记：张三反对，理由是补偿款"
VOTER_NAME = "投票人标记"


def seed_private_records(world):
    owner = make_person("王承诺", org=world.branch, roles=(Role.MEMBER, Role.COMMITTEE),
                        phone=MARKER_PHONES[0])
    rep = make_person("李代表", org=world.branch, roles=(Role.VILLAGER_REP,), status=None,
                      villager_rep=True, phone=MARKER_PHONES[1])
    voter = make_person(VOTER_NAME, org=world.group, phone=MARKER_PHONES[2])
    commitment = make_commitment(world.branch, owner, title="修建村道")
    commitment_service.add_progress(owner, commitment, "已开工，联系人电话 见公告栏", 20,
                                    "in_progress")
    decision = make_decision(world.branch, world.secretary, title="建文化广场")
    for position in range(1, 7):
        counts = {}
        if position == 3:
            counts = dict(expected=30, present=20, votes_for=18, votes_against=1, votes_abstain=1)
        if position == 4:
            counts = dict(expected=12, present=10, votes_for=9, votes_against=1, votes_abstain=0)
        record_step(world.secretary, decision, position, StepInput(
            held_on=date(2026, 10, position), minutes=f"{MINUTES_MARKER}{position}",
            public_text=f"第{position}步公开说明", **counts))
    review = make_round(world.branch)
    reviews.cast_votes(voter, review, {commitment.id: "poor"})
    reviews.cast_votes(rep, review, {commitment.id: "good"})
    reviews.cast_votes(world.member, review, {commitment.id: "good"})   # totals need 3 ballots
    reviews.close_round(world.secretary, review)
    db.session.commit()
    return owner


def public_pages(client, owner_id):
    urls = [f"/v/jia1/{tab}" for tab in PUBLIC_TABS] + [
        f"/v/jia1/commitments?person={owner_id}"]
    pages = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        pages[url] = response.get_data(as_text=True)
    return pages


def test_no_public_page_shows_phone_numbers_minutes_or_individual_votes(world, client):
    owner = seed_private_records(world)
    pages = public_pages(client, owner.id)
    assert "修建村道" in pages["/v/jia1/commitments"]               # the records are there …
    assert "第3步公开说明" in pages["/v/jia1/decisions"]
    assert "评议：好 2 · 较好 0 · 一般 0 · 差 1" in pages["/v/jia1/commitments"]
    for url, html in pages.items():                                  # … the private parts not
        for marker in MARKER_PHONES + (MINUTES_MARKER, VOTER_NAME, world.secretary.phone):
            assert marker not in html, f"{marker} on {url}"
        assert "李代表" not in html, url


def test_public_tabs_need_no_log_in_and_show_last_updated(world, client):
    seed_private_records(world)
    for tab in ("commitments", "decisions", "results"):
        html = client.get(f"/v/jia1/{tab}").get_data(as_text=True)
        assert "最后更新：" in html
        assert "/auth/login" not in html


def test_commitments_are_filterable_by_person(world, client):
    make_commitment(world.branch, world.secretary, title="书记的承诺")
    make_commitment(world.branch, world.member, title="党员的承诺", kind="member")
    db.session.commit()
    everyone = client.get("/v/jia1/commitments").get_data(as_text=True)
    assert "书记的承诺" in everyone and "党员的承诺" in everyone
    only = client.get(f"/v/jia1/commitments?person={world.member.id}").get_data(as_text=True)
    assert "党员的承诺" in only and "书记的承诺" not in only
    assert client.get("/v/jia1/commitments?person=abc").status_code == 200


def test_decisions_tab_shows_the_step_timeline(world, client):
    seed_private_records(world)
    html = client.get("/v/jia1/decisions").get_data(as_text=True)
    names = re.findall(r"第(\d)步 (\S+)", html)
    assert names == [("1", "党组织提议"), ("2", "两委会商议"), ("3", "党员大会审议"),
                     ("4", "村民代表会议决议"), ("5", "决议公开"), ("6", "实施结果公开")]
    assert "应到 30 人，实到 20 人 · 赞成 18，反对 1，弃权 1" in html
    assert "✓ 已完成" in html


def test_results_tab_shows_published_results(world, client):
    seed_private_records(world)
    html = client.get("/v/jia1/results").get_data(as_text=True)
    assert "实施结果公开</strong>（2026-10-06）：第6步公开说明" in html


def qr_text(html: str) -> str:
    data = re.search(r'class="poster-qr__img" src="data:image/png;base64,([^"]+)"', html).group(1)
    image = Image.open(BytesIO(base64.b64decode(data)))
    return zxingcpp.read_barcodes(image)[0].text


def test_each_tab_carries_a_qr_of_its_live_address(world, client):
    for tab in ("commitments", "decisions", "results"):
        assert qr_text(client.get(f"/v/jia1/{tab}").get_data(as_text=True)) == \
            f"http://localhost/v/jia1/{tab}"


def test_the_qr_uses_the_public_base_url_when_configured(app, world, client):
    app.config["PUBLIC_BASE_URL"] = "https://dangqun.example.cn"
    try:
        html = client.get("/v/jia1/commitments?person=3").get_data(as_text=True)
    finally:
        app.config["PUBLIC_BASE_URL"] = ""
    assert qr_text(html) == "https://dangqun.example.cn/v/jia1/commitments"


def test_public_tabs_use_a_fixed_number_of_queries(world, client, queries):
    def add(n):
        for i in range(n):
            owner = make_person(f"两委{i}", org=world.branch, roles=(Role.MEMBER, Role.COMMITTEE))
            c = make_commitment(world.branch, owner, title=f"承诺{i}")
            commitment_service.add_progress(owner, c, "进展", 10, "in_progress")
            make_decision(world.branch, world.secretary, title=f"决策{i}")
        db.session.commit()

    def counts():
        found = {}
        for tab in ("commitments", "decisions", "results"):
            with queries() as q:
                client.get(f"/v/jia1/{tab}")
            found[tab] = q.count
        return found

    make_round(world.branch, closed=True)
    add(2)
    few = counts()
    add(8)
    assert counts() == few
    assert max(few.values()) <= 9


def test_the_disclosures_tab_leads_everyone_to_their_village_page(world, client, login):
    login(world.villager_rep)
    html = client.get("/disclosures/").get_data(as_text=True)
    assert 'href="/v/jia1/"' in html and "公开管理" not in html
    login(world.town_admin)
    html = client.get("/disclosures/").get_data(as_text=True)
    assert 'href="/v/jia1/"' in html and 'href="/v/jia2/"' in html and "/v/yi1/" not in html
    login(world.secretary)
    html = client.get("/disclosures/").get_data(as_text=True)
    assert "甲一村党支部 · 公开管理" in html
    assert f"/disclosures/b/{world.branch.id}/commitments/new" in html


def test_demo_data_fills_both_villages_public_pages(app_ctx, client):
    from sqlalchemy import select

    from partyapp.demo import seed_demo
    from partyapp.disclosures.models import Commitment, CommitmentUpdate, Decision

    seed_demo("pbkdf2:sha256:1000$x$y")
    statuses = db.session.execute(select(Decision.title, Decision.status, Decision.next_position)
                                  .order_by(Decision.id)).all()
    assert statuses == [("村文化广场建设", "done", 7), ("村集体鱼塘对外承包", "in_progress", 4)] * 2
    assert db.session.query(Commitment).count() == 10
    assert db.session.query(CommitmentUpdate).count() == 20
    for slug in ("donghu", "xiling"):
        html = client.get(f"/v/{slug}/commitments").get_data(as_text=True)
        assert "硬化通组道路" in html and "第三组 1.4 公里路面浇筑完成" in html
        html = client.get(f"/v/{slug}/decisions").get_data(as_text=True)
        assert "村文化广场建设" in html and "村集体鱼塘对外承包" in html


def test_a_commitment_shows_the_decision_it_implements(world, client):
    decision = make_decision(world.branch, world.secretary, title="建文化广场")
    make_commitment(world.branch, world.secretary, title="广场年内完工", decision_id=decision.id)
    db.session.commit()
    html = client.get("/v/jia1/commitments").get_data(as_text=True)
    assert f'落实决策：<a href="/v/jia1/decisions#d{decision.id}">建文化广场</a>' in html


def test_town_staff_see_overdue_commitments_of_their_town_only(world, client, login, frozen):
    from datetime import datetime, timezone

    frozen(datetime(2026, 11, 3, 2, tzinfo=timezone.utc))
    make_commitment(world.branch, world.secretary, title="逾期的村道", due_on=date(2026, 10, 31))
    make_commitment(world.far_branch, world.far_member, title="乙镇逾期", due_on=date(2026, 10, 1))
    db.session.commit()
    login(world.town_admin)
    html = client.get("/disclosures/").get_data(as_text=True)
    assert "需要督促的承诺（1）" in html and "⚠ 逾期的村道" in html and "乙镇逾期" not in html
    login(world.secretary)
    assert "需要督促的承诺" not in client.get("/disclosures/").get_data(as_text=True)


def test_my_page_lists_my_commitments(world, client, login):
    make_commitment(world.branch, world.member, title="义务清扫公园", kind="member")
    db.session.commit()
    login(world.member)
    html = client.get("/me").get_data(as_text=True)
    assert "我的承诺（亮承诺）" in html and "义务清扫公园" in html
    login(world.recorder)
    assert "我的承诺（亮承诺）" not in client.get("/me").get_data(as_text=True)


# ---- a phone gets the commitment cards a page at a time; the poster keeps every one ---------
def make_many_commitments(world, n):
    """n commitments due on consecutive days (so in a known order), every one with progress."""
    from datetime import timedelta

    made = []
    for i in range(n):
        owner = world.member if i % 2 else world.secretary
        c = make_commitment(world.branch, owner, title=f"第{i + 1:02d}项承诺",
                            due_on=date(2026, 12, 1) + timedelta(days=i))
        commitment_service.add_progress(owner, c, f"第{i + 1:02d}项的进展", 30, "in_progress")
        made.append(c)
    db.session.commit()
    return made


def cards_of(html: str) -> list[str]:
    return re.findall(r'<h3 class="commitment__title">([^<]+)</h3>', html)


def result_cards_of(html: str) -> list[str]:
    return re.findall(r'<article class="result result--commitment" id="r\d+">\s*'
                      r'<h4 class="result__title">([^（<]+)（', html)


# The tabs whose cards a phone gets a page at a time: how 25 cards are made, how a page's card
# titles are read, each card's title and the detail shown with it, the more link's text.
PAGED_TABS = {
    "commitments": (lambda world: make_many_commitments(world, 25), cards_of, "第{:02d}项承诺",
                    "第{:02d}项的进展", "显示更多承诺（还有 5 项）"),
    "results": (lambda world: make_finished_commitments(world, 24), result_cards_of,
                "第{:02d}项兑现", "第{:02d}项的考核理由", "显示更多兑现情况（还有 5 项）"),
}


@pytest.mark.parametrize("tab", PAGED_TABS)
def test_a_tab_shows_twenty_cards_and_a_more_link(world, client, tab):
    make, read, title, detail, label = PAGED_TABS[tab]
    make(world)
    html = client.get(f"/v/jia1/{tab}").get_data(as_text=True)
    assert read(html) == [title.format(i) for i in range(1, 21)]
    poster = html[html.index('<table class="poster-table">'):html.index("</table>")]
    cards = html.replace(poster, "")
    assert detail.format(1) in cards and detail.format(21) not in cards  # shown cards only
    more = re.search(rf'<div class="more no-print" id="more-{tab}">\s*<a [^>]*'
                     rf'href="([^"]+)" hx-get="([^"]+)" hx-target="#more-{tab}" '
                     rf'hx-swap="outerHTML">{label}</a>', html)
    assert more and more.group(1) == more.group(2) == f"/v/jia1/{tab}?page=2"
    assert all(title.format(i) in poster for i in range(1, 26))      # the printed poster: all


@pytest.mark.parametrize("tab", PAGED_TABS)
def test_htmx_more_brings_only_the_next_cards(world, client, tab):
    make, read, title, detail, _ = PAGED_TABS[tab]
    make(world)
    response = client.get(f"/v/jia1/{tab}?page=2", headers={
        "HX-Request": "true", "HX-Target": f"more-{tab}"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html and "poster-table" not in html
    assert read(html) == [title.format(i) for i in range(21, 26)]
    assert detail.format(25) in html and f"more-{tab}" not in html     # the last page: no more


@pytest.mark.parametrize("tab", PAGED_TABS)
def test_the_next_page_without_script_is_a_whole_page(world, client, tab):
    make, read, title, _, _ = PAGED_TABS[tab]
    make(world)
    html = client.get(f"/v/jia1/{tab}?page=2").get_data(as_text=True)
    assert "<html" in html and read(html) == [title.format(i) for i in range(21, 26)]
    assert f'href="/v/jia1/{tab}">‹ 从第一项看起</a>' in html
    assert read(client.get(f"/v/jia1/{tab}?page=99").get_data(as_text=True)) == \
        read(html)                                                   # past the end: the last page
    assert read(client.get(f"/v/jia1/{tab}?page=x").get_data(as_text=True))[0] == title.format(1)


def test_more_keeps_the_person_filter(world, client):
    make_many_commitments(world, 50)
    html = client.get(f"/v/jia1/commitments?person={world.member.id}").get_data(as_text=True)
    assert cards_of(html) == [f"第{i:02d}项承诺" for i in range(2, 41, 2)]
    assert f'href="/v/jia1/commitments?person={world.member.id}&amp;page=2"' in html
    assert "还有 5 项" in html


# ---- the results tab: the finished commitments (closed, or assessed while open) ----------
def make_finished_commitments(world, n, open_assessed=1):
    """n finished commitments in due order, each with a verdict, plus `open_assessed` still
    open ones that were assessed (年度考核) after them, and one open one never assessed."""
    from datetime import timedelta

    def make(i, status):
        c = make_commitment(world.branch, world.secretary, title=f"第{i + 1:02d}项兑现",
                            due_on=date(2026, 1, 1) + timedelta(days=i), status=status)
        commitment_service.record_assessment(world.town_admin, c, "annual", 2026, "kept",
                                             f"第{i + 1:02d}项的考核理由")
    for i in range(n):
        make(i, "kept")
    for i in range(n, n + open_assessed):
        make(i, "in_progress")
    make_commitment(world.branch, world.secretary, title="未考核的承诺", status="in_progress")
    db.session.commit()


def test_the_results_tab_lists_finished_and_assessed_commitments_only(world, client):
    make_finished_commitments(world, 2)
    html = client.get("/v/jia1/results").get_data(as_text=True)
    assert result_cards_of(html) == ["第01项兑现", "第02项兑现", "第03项兑现"]
    assert "2026年年度考核：已兑现</strong>。第01项的考核理由" in html
    assert "未考核的承诺" not in html and "more-results" not in html


def test_results_tab_queries_do_not_grow_with_finished_commitments(world, client, queries):
    make_finished_commitments(world, 3)
    with queries() as few:
        client.get("/v/jia1/results")
    make_finished_commitments(world, 30, open_assessed=5)
    with queries() as many:
        client.get("/v/jia1/results")
    assert many.count == few.count <= 5
