"""The town's yearly loop through the real stack: 达标创优 (automatic + manual items, 公示 for 5
working days, then final, 不达标 → 督导整改 items), 软弱涣散 (candidates, listing, 台账 seen by
the town and that branch's secretary only, monthly progress, 验收销号, overdue reminder), 挂点 +
一月一研判, 书记后备 (村推镇选, the 1:2 ratio)."""
import json
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from partyapp import clock
from partyapp.extensions import db
from partyapp.models import AuditEntry, Notification
from partyapp.notices.models import Notice
from partyapp.rectification.models import RectificationItem, Source
from partyapp.yearly import services as yearly
from partyapp.yearly.models import (Assessment, Consolidation, ConsolidationProgress, Judgement,
                                    Reserve)

# Monday 2026-11-02, 10:00 in China.
MONDAY = datetime(2026, 11, 2, 2, 0, tzinfo=clock.UTC)


def _actions() -> set:
    return set(db.session.scalars(select(AuditEntry.action)))


def test_assessment_goes_through_notice_then_final_and_failing_branch_gets_supervision(
        world, client, login, frozen):
    frozen(MONDAY)
    login(world.town_admin)
    town = world.town.id
    # a manual item claimed as met without evidence is refused, in Chinese
    html = client.post(f"/yearly/town/{town}/assess/{world.branch.id}?year=2026",
                       data={"position": "y"}, follow_redirects=True).get_data(as_text=True)
    assert "请写明佐证材料" in html
    assert db.session.scalar(select(func.count(Assessment.id))) == 0
    response = client.post(f"/yearly/town/{town}/assess/{world.branch.id}?year=2026",
                           data={"position": "y", "position_evidence": "阵地照片 3 张",
                                 "satisfaction": "y", "satisfaction_evidence": "测评 92% 满意"})
    assert response.status_code == 303
    result = db.session.scalar(select(Assessment).where(Assessment.branch_id == world.branch.id))
    auto = {item["key"]: item for item in json.loads(result.auto_items)}
    assert set(auto) == set(yearly.AUTO_ITEMS)
    assert auto["term"]["ok"] is False and auto["term"]["detail"] == "没有届期记录"
    assert auto["dues"]["ok"] is False          # no 党费 records kept
    assert result.passed is False and result.outcome_label == "不达标"
    # the town page shows the checklist
    page = client.get(f"/yearly/town/{town}/?year=2026").get_data(as_text=True)
    assert "达标创优" in page and yearly.AUTO_ITEMS["term"] in page and "不达标" in page

    client.post(f"/yearly/town/{town}/publish?year=2026")
    db.session.expire_all()
    result = db.session.get(Assessment, result.id)
    assert result.status == "notice"
    notice = db.session.get(Notice, result.notice_id)
    assert notice.subject == yearly.NOTICE_SUBJECT and notice.notice_days == 5
    assert notice.ends_on == clock.add_working_days(date(2026, 11, 2), 5)
    # once in 公示 the result cannot be changed
    html = client.post(f"/yearly/town/{town}/assess/{world.branch.id}?year=2026",
                       data={}, follow_redirects=True).get_data(as_text=True)
    assert "已经公示" in html
    # during the period: not final yet
    html = client.post(f"/yearly/town/{town}/finalize?year=2026",
                       follow_redirects=True).get_data(as_text=True)
    assert "公示期还没有结束" in html
    assert db.session.scalar(select(func.count(RectificationItem.id))) == 0

    frozen(MONDAY + timedelta(days=14))
    client.post(f"/yearly/town/{town}/finalize?year=2026")
    db.session.expire_all()
    assert db.session.get(Assessment, result.id).status == "final"
    items = db.session.scalars(select(RectificationItem)).all()
    failed = [i for i in json.loads(result.auto_items) + json.loads(result.manual_items)
              if not i["ok"]]
    assert len(items) == len(failed) >= 2
    assert {i.source for i in items} == {Source.SUPERVISION}
    assert {i.confirm_org_id for i in items} == {world.town.id}
    assert {i.owner_id for i in items} == {world.secretary.id}
    assert all(i.due_on == date(2026, 11, 16) + timedelta(days=90) for i in items)
    assert {"yearly.assess", "yearly.publish", "yearly.finalize"} <= _actions()
    assert all(a in yearly.ACTION_LABELS for a in _actions() if a.startswith("yearly."))


def test_create_rule_picks_the_top_share_of_passing_branches(world, app, frozen, monkeypatch):
    """创优 among 达标 by the stated rule: the best 堡垒指数 of the passing ones, at least one."""
    frozen(MONDAY)
    ok = [yearly.Item(k, v, True, "") for k, v in yearly.AUTO_ITEMS.items()]
    monkeypatch.setattr(yearly, "auto_items", lambda town, year: {
        world.branch.id: ok, world.other_branch.id: ok})
    manual = {k: (True, "佐证") for k in yearly.MANUAL_ITEMS}
    for branch in (world.branch, world.other_branch):
        assert yearly.assess(world.town_admin, world.town, branch, 2026, manual).passed
    assert yearly.publish_results(world.town_admin, world.town, 2026) == 2
    results = yearly.assessments_of(world.town, 2026)
    assert sum(a.excellent for a in results.values()) == 1
    assert {a.outcome_label for a in results.values()} == {"达标", "创优"}
    assert "20%" in yearly.create_rule_text()


def _list(client, world, due="2026-12-31", branch=None):
    return client.post(f"/yearly/town/{world.town.id}/consolidation", data={
        "branch_id": (branch or world.branch).id, "reason": "堡垒指数全镇倒数，镇党委研究列入",
        "problems": "组织生活不经常机密甲", "measures": "挂点领导每月到村指导",
        "leader_id": world.town_admin.id, "first_secretary": "王第一", "due_on": due})


def test_consolidation_ledger_is_seen_by_the_town_and_that_secretary_only(
        world, client, login, frozen, app):
    frozen(MONDAY)
    login(world.town_admin)
    page = client.get(f"/yearly/town/{world.town.id}/").get_data(as_text=True)
    assert "软弱涣散建议名单" in page and "堡垒指数位于全镇后 10%" in page
    response = _list(client, world)
    assert response.status_code == 303
    entry = db.session.scalar(select(Consolidation))
    assert entry.leader_id == world.town_admin.id and entry.first_secretary == "王第一"
    assert db.session.scalar(select(func.count(Notification.id)).where(
        Notification.person_id == world.secretary.id)) == 1
    # listed twice while open: refused
    html = client.post(f"/yearly/town/{world.town.id}/consolidation", data={
        "branch_id": world.branch.id, "reason": "再次列入", "problems": "问题", "measures": "措施",
        "due_on": "2026-12-31"}, follow_redirects=True).get_data(as_text=True)
    assert "正在整顿中" in html

    for persona in ("member", "group_leader", "recorder", "villager_rep",
                    "other_branch_secretary", "other_town_admin"):
        login(getattr(world, persona))
        response = client.get(f"/yearly/consolidation/{entry.id}")
        assert response.status_code == 404, persona
        assert "机密甲" not in response.get_data(as_text=True)
    client.get("/auth/logout")
    for url in ("/v/jia1/", "/v/jia1/commitments", "/v/jia1/results", "/v/jia1/opinions"):
        assert "机密甲" not in client.get(url).get_data(as_text=True)
        assert "整顿" not in client.get(url).get_data(as_text=True)

    login(world.secretary)
    assert "机密甲" in client.get(f"/yearly/consolidation/{entry.id}").get_data(as_text=True)
    client.post(f"/yearly/consolidation/{entry.id}/progress", data={"text": "召开支委会研究整顿方案"})
    assert client.post(f"/yearly/consolidation/{entry.id}/close",
                       data={"text": "自己销号"}).status_code == 403
    frozen(MONDAY + timedelta(days=31))
    client.post(f"/yearly/consolidation/{entry.id}/progress", data={"text": "补开主题党日"})
    months = [p.month for p in db.session.scalars(select(ConsolidationProgress))]
    assert months == ["2026-11", "2026-12"]

    login(world.town_admin)
    client.post(f"/yearly/consolidation/{entry.id}/close", data={"text": "镇党委到村验收合格"})
    db.session.expire_all()
    entry = db.session.get(Consolidation, entry.id)
    assert entry.closed and entry.closing_evidence == "镇党委到村验收合格"
    # history stays: listed again later, both rows kept and the ledger lists them
    assert _list(client, world, due="2027-06-30").status_code == 303
    assert db.session.scalar(select(func.count(Consolidation.id))) == 2
    assert {"yearly.consolidation_list", "yearly.consolidation_progress",
            "yearly.consolidation_close"} <= _actions()


def test_overdue_consolidation_reminds_once(world, client, login, frozen, app):
    frozen(MONDAY)
    login(world.town_admin)
    _list(client, world, due="2026-11-20")
    with app.app_context():
        assert yearly.send_reminders() == 0
    frozen(MONDAY + timedelta(days=19))
    with app.app_context():
        assert yearly.send_reminders() == 1
        assert yearly.send_reminders() == 0
    titles = set(db.session.scalars(select(Notification.title).where(
        Notification.person_id == world.town_admin.id)))
    assert any(t.startswith("整顿超期") for t in titles)


def test_post_links_show_villages_first_and_judgements_are_kept_by_month(
        world, client, login, frozen):
    frozen(MONDAY)
    login(world.town_admin)
    html = client.post(f"/yearly/town/{world.town.id}/links", follow_redirects=True, data={
        "person_id": world.town_admin.id, "branch_id": world.branch.id, "linked": "1"}).get_data(as_text=True)
    assert "挂点已调整" in html, html[-3000:]
    me = client.get("/me").get_data(as_text=True)
    assert "我挂点的村" in me and "甲一村" in me
    url = f"/yearly/village/{world.branch.id}/judgements"
    client.post(url, data={"figures": "会议按期", "actions": "走访困难党员"})
    client.post(url, data={"figures": "会议按期，答复及时", "actions": "走访困难党员"})
    frozen(MONDAY + timedelta(days=31))
    client.post(url, data={"figures": "出勤下降", "actions": "书记谈话"})
    rows = db.session.scalars(select(Judgement).order_by(Judgement.month)).all()
    assert [(j.month, j.figures) for j in rows] == [("2026-11", "会议按期，答复及时"),
                                                    ("2026-12", "出勤下降")]
    assert "2026-11" in client.get(url).get_data(as_text=True)
    login(world.secretary)
    assert client.get(url).status_code == 403


def test_reserves_recommended_by_the_branch_selected_by_the_town_below_one_to_two(
        world, client, login, frozen):
    frozen(MONDAY)
    login(world.secretary)
    url = f"/yearly/branch/{world.branch.id}/reserves"
    for name in ("后备甲", "后备乙"):
        assert client.post(url, data={"name": name, "note": "致富带头人"}).status_code == 303
    first, second = db.session.scalars(select(Reserve).order_by(Reserve.id)).all()
    assert client.post(f"/yearly/reserves/{first.id}/decide",
                       data={"selected": "1"}).status_code == 403
    login(world.town_admin)
    client.post(f"/yearly/reserves/{first.id}/decide", data={"selected": "1"})
    page = client.get(f"/yearly/town/{world.town.id}/").get_data(as_text=True)
    assert "后备人选不足 1:2" in page and "甲一村" in page.split('id="below-ratio"')[1][:300]
    client.post(f"/yearly/reserves/{second.id}/decide", data={"selected": "1"})
    figures = yearly.town_figures(world.town, 2026)
    assert world.branch.id not in {b.id for b, _ in figures["below_ratio"]}
    assert world.other_branch.id in {b.id for b, _ in figures["below_ratio"]}
    dashboard = client.get(f"/town/{world.town.id}/").get_data(as_text=True)
    assert "年度工作" in dashboard
    assert {"yearly.reserve_recommend", "yearly.reserve_decide"} <= _actions()
