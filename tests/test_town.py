"""The town dashboard (镇级督查): every figure from seeded records equals a number worked
out by hand here. The town is frozen on Friday 2026-11-20, 10:00 in China; the quarter is
2026 Q4 (October, November, December). 班子联席会议 (weekly) is set aside by the town so
the required meetings per month are: 三会一课 = 支委会 1 + 党小组会 1 per group,
主题党日 1; per quarter: 三会一课 = 党员大会 1 + 党课 1, 联席会议 = 党群联席会议 1.

Branch 东村 (one group; secretary S, members M1 M2 in the group, plus M3 in the branch):
  Oct 12 主题党日+党课 (S M1 M2 M3 expected, S M1 M2 came)   → 3/4
  Oct 15 支委会       (S M3 expected, both came)             → 2/2
  Oct 20 党小组会     (M1 M2 expected, M1 came)              → 1/2
  Nov  5 主题党日     (all four expected and came)           → 4/4
  opinions: Nov 2 replied Nov 4 (on time, 2 working days); Nov 3 replied Nov 12 (late,
  7 working days); Nov 9 not replied (due Nov 16: overdue); Nov 16 replied Nov 17 (on time,
  1 day); Nov 18 open (due Nov 25).
  commitments: one fine, one overdue (due Nov 1), one not updated since Sept 1, one kept.
Branch 西村 (no group; secretary T, members N1 N2 in the branch):
  Nov  3 支委会+主题党日 (T N1 expected, T came)               → 1/2
  opinions: Nov 2 not replied (overdue).  commitments: one overdue and never updated.
"""
from datetime import datetime
from io import BytesIO
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook

from partyapp import clock
from partyapp.disclosures.models import CommitmentStatus
from partyapp.extensions import db
from partyapp.models import Notification, Role
from partyapp.town import score, services

from .factories_disclosures import make_commitment
from .factories_town import held, local, make_person, make_town, opinion, small_branch, \
    weekly_joint_off

NOW = datetime(2026, 11, 20, 10, tzinfo=clock.CHINA)


@pytest.fixture
def town(app_ctx, frozen):
    frozen(NOW)
    weekly_joint_off()
    town = make_town("青石镇党委")
    admin = make_person("镇管理员", org=town, roles=(Role.TOWN_ADMIN,))
    east, (group,), s, (m1, m2) = small_branch(town, "dong", "东村")
    # 东村党员3 is the branch's 组织委员: the 支委会 of 10-15 expects them (its circle).
    m3 = make_person("东村党员3", org=east, roles=(Role.MEMBER, Role.ORGANIZER))
    west, _, t, (n1, n2) = small_branch(town, "xi", "西村", groups=0)
    held(east, local(2026, 10, 12), ("theme_day", "party_lecture"), [s, m1, m2, m3], [s, m1, m2])
    held(east, local(2026, 10, 15), ("branch_committee",), [s, m3], [s, m3])
    held(group, local(2026, 10, 20), ("group_meeting",), [m1, m2], [m1])
    held(east, local(2026, 11, 5), ("theme_day",), [s, m1, m2, m3], [s, m1, m2, m3])
    held(west, local(2026, 11, 3), ("branch_committee", "theme_day"), [t, n1], [t])
    opinion(east, local(2026, 11, 2, 9), local(2026, 11, 4), by=s)
    opinion(east, local(2026, 11, 3, 9), local(2026, 11, 12), by=s)
    overdue = opinion(east, local(2026, 11, 9, 9))
    opinion(east, local(2026, 11, 16, 9), local(2026, 11, 17), by=s)
    opinion(east, local(2026, 11, 18, 9))
    opinion(west, local(2026, 11, 2, 9))
    overdue.escalated_at = local(2026, 11, 17)
    make_commitment(east, s, title="修村道", due_on=datetime(2026, 12, 31).date(),
                    progress_at=local(2026, 11, 10))
    make_commitment(east, m1, title="建书屋", due_on=datetime(2026, 11, 1).date(),
                    progress_at=local(2026, 11, 15))
    make_commitment(east, m2, title="装路灯", due_on=datetime(2026, 12, 31).date(),
                    created_at=local(2026, 9, 1))
    make_commitment(east, m3, title="清河道", status=CommitmentStatus.KEPT,
                    due_on=datetime(2026, 10, 1).date(), created_at=local(2026, 1, 5))
    make_commitment(west, t, title="修水渠", due_on=datetime(2026, 10, 31).date(),
                    created_at=local(2026, 9, 1))
    db.session.commit()
    return SimpleNamespace(town=town, admin=admin, east=east, west=west, s=s, t=t,
                           overdue=overdue)


def board_of(town):
    return services.dashboard(town.town, services.quarter_of("2026-Q4"))


def row_of(board, branch):
    return next(r for r in board.rows if r.branch.id == branch.id)


def cell(board, branch, group, column):
    c = board.matrix.cell(branch.id, group, column)
    return c.state, c.held, c.required


def test_compliance_matrix_counts_required_and_held_meetings(town):
    board = board_of(town)
    assert board.matrix.groups == ["三会一课", "主题党日", "联席会议"]
    assert [label for _, label, _ in board.matrix.columns] == ["10月", "11月", "12月", "本季度"]
    east, west = town.east, town.west
    assert cell(board, east, "三会一课", "2026-10") == ("ok", 2, 2)
    assert cell(board, east, "主题党日", "2026-10") == ("ok", 1, 1)
    assert cell(board, east, "三会一课", "2026-11") == ("open", 0, 2)   # November not over
    assert cell(board, east, "主题党日", "2026-11") == ("ok", 1, 1)
    assert cell(board, east, "三会一课", "2026-12")[0] == "future"
    assert cell(board, east, "三会一课", "Q") == ("open", 1, 2)         # 党课 held, 大会 not yet
    assert cell(board, east, "联席会议", "Q") == ("open", 0, 1)
    assert cell(board, east, "联席会议", "2026-10") == ("none", 0, 0)
    # 西村 has no group: no 党小组会 due; October passed without any meeting
    assert cell(board, west, "三会一课", "2026-10") == ("missing", 0, 1)
    assert cell(board, west, "主题党日", "2026-10") == ("missing", 0, 1)
    assert cell(board, west, "三会一课", "2026-11") == ("ok", 1, 1)
    assert cell(board, west, "主题党日", "2026-11") == ("ok", 1, 1)
    # met units / (met + overdue): 东村 5/5, 西村 2/(2+2)
    assert board.matrix.meeting_rate(east.id) == 1.0
    assert board.matrix.meeting_rate(west.id) == 0.5


def test_opinion_figures_per_village(town):
    board = board_of(town)
    east, west = row_of(board, town.east), row_of(board, town.west)
    assert (east.replies["received"], east.replies["on_time"], east.replies["late"],
            east.replies["overdue_open"]) == (5, 2, 1, 1)
    assert east.replies["on_time_rate"] == 50            # 2 of 4 due
    assert east.replies["median_reply_days"] == 2        # of 2, 7, 1 working days
    assert (east.open_now, east.overdue_now) == (2, 1)
    assert west.replies["on_time_rate"] == 0
    assert west.replies["median_reply_days"] is None
    assert (west.open_now, west.overdue_now) == (1, 1)
    assert [o.id for o in board.escalated] == [town.overdue.id]


def test_commitments_attendance_and_trends(town):
    board = board_of(town)
    east, west = row_of(board, town.east), row_of(board, town.west)
    assert (east.open_commitments, east.overdue_alerts, east.stale_alerts) == (3, 1, 1)
    assert (west.open_commitments, west.overdue_alerts, west.stale_alerts) == (1, 1, 1)
    assert len(west.alerts) == 1
    assert (east.attendance.present, east.attendance.expected) == (10, 12)
    assert (west.attendance.present, west.attendance.expected) == (1, 2)
    assert board.trend_labels == ["7月", "8月", "9月", "10月", "11月", "12月"]
    east_trend = next(t for t in board.attendance_trends if t.branch.id == town.east.id)
    assert [p.value for p in east_trend.chart.points] == [None, None, None, 75.0, 100.0, None]
    # November, whole town: on time 2 of (东村 2+1+1, 西村 1) = 40%
    assert board.reply_trend_cells[4] == ("11月", 2, 5, 40)
    assert [p.value for p in board.reply_trend.points] == [None, None, None, None, 40, None]


def test_branch_score_and_red_black_list(town):
    board = board_of(town)
    east, west = row_of(board, town.east), row_of(board, town.west)
    # 东村: 0.4×1 + 0.2×10/12 + 0.25×0.5 + 0.15×(1−2/3) = 0.741667 → 1 + 4×0.741667 = 3.97 → 4
    assert east.score.value == pytest.approx(0.741667, abs=1e-6)
    assert east.score.stars == 4
    # 西村: 0.4×0.5 + 0.2×0.5 + 0.25×0 + 0.15×0 = 0.3 → 1 + 1.2 = 2.2 → 2
    assert west.score.value == pytest.approx(0.3)
    assert west.score.stars == 2
    assert [r.branch.name for r in board.praise] == ["东村党支部"]
    assert [r.branch.name for r in board.help] == ["西村党支部"]
    assert west.score.weakest == "按时答复率"


def test_branch_score_formula():
    weights = {"meetings": 0.4, "attendance": 0.2, "replies": 0.25, "commitments": 0.15}
    everything = dict.fromkeys(weights, 1.0)
    nothing = dict.fromkeys(weights, 0.0)
    assert score.branch_score(everything, weights).stars == 5
    assert score.branch_score(nothing, weights).stars == 1
    # 0.5 everywhere: 1 + 4×0.5 = 3
    assert score.branch_score(dict.fromkeys(weights, 0.5), weights).stars == 3
    # exactly half a star rounds up: value 0.375 → 1 + 1.5 = 2.5 → 3
    assert score.branch_score({"meetings": 0.9375, "attendance": 0, "replies": 0,
                               "commitments": 0}, weights).stars == 3
    # weights need not add up to 1: only meetings counts here
    only = {"meetings": 2, "attendance": 0, "replies": 0, "commitments": 0}
    assert score.branch_score({"meetings": 0.25, "attendance": 1, "replies": 1,
                               "commitments": 1}, only).stars == 2


def test_weights_come_from_configuration_and_the_page_shows_the_formula(app, town, client,
                                                                          login):
    login(town.admin)
    page = client.get(f"/town/{town.town.id}/?period=2026-Q4").get_data(as_text=True)
    assert ("堡垒指数 = 1 + 4 ×（0.4×会议达标率 + 0.2×出勤率 + 0.25×按时答复率 + "
            "0.15×承诺正常率），四舍五入为 1–5 颗星") in page
    app.config["TOWN_SCORE_WEIGHTS"] = {"meetings": 1, "attendance": 1, "replies": 0,
                                        "commitments": 0}
    try:
        board = board_of(town)
        # 西村 now: (0.5 + 0.5) / 2 = 0.5 → 3 stars
        assert row_of(board, town.west).score.stars == 3
        assert board.formula == "堡垒指数 = 1 + 4 ×（0.5×会议达标率 + 0.5×出勤率），四舍五入为 1–5 颗星"
    finally:
        app.config.pop("TOWN_SCORE_WEIGHTS")


def test_dashboard_tabs_show_the_figures_with_text_not_only_colour(town, client, login):
    login(town.admin)

    def tab(section):
        response = client.get(f"/town/{town.town.id}/?period=2026-Q4&section={section}")
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert 'aria-current="page"' in page and page.count('class="tabs__item') == len(services.SECTIONS)
        return page

    overview = tab("overview")
    assert "东村党支部" in overview and "西村党支部" in overview
    assert "最需加强：按时答复率" in overview and 'id="score-table"' in overview
    assert "✗ 缺会" not in overview and "town-chart" not in overview   # other tabs' parts
    meetings = tab("meetings")
    assert "✗ 缺会" in meetings and 'data-state="missing"' in meetings
    assert f'/meetings/ledger/{town.west.id}?period=2026-10' in meetings
    assert 'id="attendance-table"' in meetings and "10/12" not in meetings  # monthly cells
    opinions = tab("opinions")
    assert "<title id=\"reply-trend-t\">全镇意见按时答复率</title>" in opinions
    assert "11月 40%" in opinions                  # the chart's <desc>
    assert 'id="escalated"' in opinions
    assert tab("commitments").count('href="/disclosures/c/') == 3  # each flagged one links
    assert "本年度各支部尚未公示评星结果" in tab("stars")
    # an unknown tab is the overview; the quarter picker keeps the tab
    assert 'id="score-table"' in tab("<script>")
    assert '<input type="hidden" name="section" value="stars">' in tab("stars")


def test_a_bad_period_shows_the_current_quarter(town, client, login):
    login(town.admin)
    for junk in ("<script>", "2026-Q9", "99999-01", "x" * 500):
        response = client.get(f"/town/{town.town.id}/", query_string={"period": junk})
        assert response.status_code == 200
        assert "青石镇党委 · 2026年第4季度" in response.get_data(as_text=True)


def test_town_index_sends_the_admin_to_their_town(town, client, login):
    login(town.admin)
    response = client.get("/town/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/town/{town.town.id}/")


def test_branch_secretary_is_refused_and_other_town_sees_nothing(town, client, login):
    other = make_town("别镇党委")
    other_admin = make_person("别镇管理员", org=other, roles=(Role.TOWN_ADMIN,))
    db.session.commit()
    login(town.s)
    for url in ("/town/", f"/town/{town.town.id}/", f"/town/{town.town.id}/print",
                f"/town/{town.town.id}/report.xlsx"):
        assert client.get(url).status_code == 403, url
    login(other_admin)
    response = client.get(f"/town/{town.town.id}/")
    assert response.status_code == 403
    assert "东村" not in response.get_data(as_text=True)
    own = client.get(f"/town/{other.id}/").get_data(as_text=True)
    assert "东村" not in own and "西村" not in own
    assert client.post(f"/town/{other.id}/opinions/{town.overdue.id}/note",
                       data={"text": "别镇越权督办"}).status_code == 404


def test_workbook_reads_back(town, client, login):
    login(town.admin)
    response = client.get(f"/town/{town.town.id}/report.xlsx?period=2026-Q4")
    assert response.status_code == 200
    book = load_workbook(BytesIO(response.data))
    assert book.sheetnames == ["堡垒指数", "会议达标", "意见答复", "上报督办", "承诺预警",
                               "星级分布", "出勤趋势", "换届届期", "党费收缴", "教育培训",
                               "整改清单"]
    summary = list(book["堡垒指数"].iter_rows(values_only=True))
    assert summary[0][0] == "青石镇党委 2026年第4季度 督促检查报告"
    assert summary[3] == ("东村党支部", 100, 83, 50, 33, 74, 4, "表扬")
    assert summary[4] == ("西村党支部", 50, 50, 0, 0, 30, 2, "帮扶")
    matrix = list(book["会议达标"].iter_rows(values_only=True))
    assert matrix[0] == ("支部", "会议类别", "10月", "11月", "12月", "本季度")
    assert matrix[4] == ("西村党支部", "三会一课", "✗ 缺会 已开0/应开1", "✓ 达标 已开1/应开1",
                         "未开始", "… 本期未结束 已开0/应开2")
    assert book["会议达标"]["C5"].fill.fgColor.rgb.endswith("F4CCCC")
    replies = list(book["意见答复"].iter_rows(values_only=True))
    assert replies[1] == ("东村", 5, 3, 2, 1, 1, 50, 2, 2, 1)
    assert replies[2] == ("西村", 1, 0, 0, 0, 1, 0, None, 1, 1)
    commitments = list(book["承诺预警"].iter_rows(values_only=True))
    assert [(r[0], r[2], r[5]) for r in commitments[1:]] == [
        ("东村党支部", "建书屋", "已逾期"), ("东村党支部", "装路灯", "超过一个月未更新"),
        ("西村党支部", "修水渠", "已逾期、超过一个月未更新")]
    attendance = list(book["出勤趋势"].iter_rows(values_only=True))
    assert attendance[1] == ("东村党支部", "—", "—", "—", "6/8", "4/4", "—")
    escalated = list(book["上报督办"].iter_rows(values_only=True))
    assert escalated[1][0] == "东村" and escalated[1][3] == "2026-11-17"


def test_print_view_has_every_part(town, client, login):
    login(town.admin)
    page = client.get(f"/town/{town.town.id}/print?period=2026-Q4").get_data(as_text=True)
    for part in ("堡垒指数", "红黑榜", "开会情况", "意见箱", "上报镇党委的意见", "承诺事项预警",
                 "党员星级分布", "全镇意见按时答复率（近 6 个月）", "各支部会议出勤率（近 6 个月）"):
        assert part in page, part
    assert "/meetings/ledger/" not in page          # plain cells on paper
    assert page.count('<details class="town-data" open>') == 2   # data tables print open


def test_supervisory_note_is_added_by_the_town_and_seen_by_the_branch(town, client, login):
    login(town.admin)
    response = client.post(f"/town/{town.town.id}/opinions/{town.overdue.id}/note",
                           data={"text": "请三个工作日内上门答复，并报镇党委。"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/opinions/{town.overdue.id}#supervision")
    assert "已督办 1 次" in client.get(f"/town/{town.town.id}/?section=opinions").get_data(
        as_text=True)
    login(town.s)
    page = client.get(f"/opinions/{town.overdue.id}").get_data(as_text=True)
    assert "镇党委督办" in page and "请三个工作日内上门答复，并报镇党委。" in page
    assert "添加督办意见" not in page               # the branch reads, the town writes
    assert db.session.scalar(db.select(db.func.count(Notification.id)).where(
        Notification.person_id == town.s.id, Notification.title == "镇党委督办意见")) == 1


def test_supervisory_note_rejects_bad_input(town, client, login):
    login(town.admin)
    response = client.post(f"/town/{town.town.id}/opinions/{town.overdue.id}/note",
                           data={"text": "x" * 501})
    assert response.status_code == 303
    assert services.notes_for([town.overdue.id]) == {}
    assert client.post(f"/town/{town.town.id}/opinions/999999/note",
                       data={"text": "督办"}).status_code == 404


def test_stars_distribution_counts_each_branch_latest_publication(town):
    """East published twice in 2026 (the later one counts): 2 five-star, 1 three-star and one
    不合格; west published nothing. A 2025 publication does not count for 2026."""
    from datetime import date

    from partyapp.ratings.models import Publication, PublishedResult

    people = [make_person(f"星{i}", org=town.east) for i in range(4)]

    def publish(year, at_day, stars):
        publication = Publication(branch_id=town.east.id, year=year, subject="stars",
                                  title=f"{year}年评星结果公示", published_on=at_day,
                                  notice_days=5, ends_on=at_day,
                                  published_at=clock.local_datetime(at_day))
        db.session.add(publication)
        db.session.flush()
        db.session.add_all(PublishedResult(publication_id=publication.id, person_id=p.id,
                                           score=60.0 + s, stars=s) for p, s in zip(people, stars))

    publish(2025, date(2025, 12, 1), [1, 1, 1, 1])
    publish(2026, date(2026, 3, 1), [4, 4, 4, 4])
    publish(2026, date(2026, 9, 1), [5, 5, 3, 0])
    db.session.commit()
    assert services.stars_distribution([town.east.id, town.west.id], 2026) == {
        town.east.id: {5: 2, 3: 1, 0: 1}}
    board = board_of(town)
    assert row_of(board, town.east).stars == {5: 2, 3: 1, 0: 1}
    assert row_of(board, town.west).stars == {}
    assert board.stars_published


def test_weekly_joint_meetings_count_in_the_month_of_their_monday(app_ctx, frozen):
    """班子联席会议 weekly: October has 4 Mondays (5, 12, 19, 26), November 5 (2 … 30). A
    meeting on Sunday 1 November belongs to the week of Monday 26 October."""
    frozen(NOW)
    town = make_town("周会镇党委")
    branch, _, s, _ = small_branch(town, "zhou", "周村", groups=0)
    for day in ((10, 5), (10, 13), (10, 19), (11, 1), (11, 2), (11, 10)):
        held(branch, local(2026, *day), ("joint_leadership",), [s], [s])
    board = services.dashboard(town, services.quarter_of("2026-Q4"))
    assert cell(board, branch, "联席会议", "2026-10") == ("ok", 4, 4)
    assert cell(board, branch, "联席会议", "2026-11") == ("open", 2, 5)


def test_the_town_admin_is_asked_to_supervise_until_a_note_is_added(town, client, login,
                                                                     queries):
    login(town.admin)
    services.towns_for(town.admin)            # the request's roles, loaded once per request
    with queries() as q:
        items = services.todo_items(town.admin)
    assert q.count == 1
    assert [(i.title, i.link) for i in items] == [
        ("督办：东村的群众意见", f"/opinions/{town.overdue.id}#supervision")]
    assert "督办：东村的群众意见" in client.get("/").get_data(as_text=True)
    client.post(f"/town/{town.town.id}/opinions/{town.overdue.id}/note", data={"text": "请办理"})
    assert services.todo_items(town.admin) == []
    assert services.todo_items(town.s) == []


def test_chart_svg_escapes_names_and_draws_only_known_points():
    from partyapp.town import charts

    chart = charts.line_chart('东村<script>alert(1)</script>出勤率', ["10月", "11月", "12月"],
                              [None, 50, 100])
    svg = str(charts.svg(chart, "att-3"))
    assert "<script>" not in svg and "东村&lt;script&gt;" in svg
    assert svg.count("<circle") == 2                          # no dot where there is no data
    assert "10月 无数据，11月 50%，12月 100%" in svg              # the description says it all
    assert svg.startswith('<svg class="town-chart"') and svg.endswith("</svg>")
