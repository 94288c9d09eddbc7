"""评星定级: each item computed from seeded records, thresholds, exemptions, revocation, the
overview in pinyin order (never a ranking) and a fixed number of queries per branch.

The branch A1 of the test world has four party members (拼音 order): 记录员, 普通党员, 书记甲
(secretary, 两委 member), 小组长. Today is 2026-11-23; the year scored is 2026.
"""
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from partyapp import clock
from partyapp.disclosures.models import CommitmentKind, CommitmentStatus
from partyapp.extensions import db
from partyapp.meetings import services as meeting_services
from partyapp.meetings.models import CheckIn, MeetingStatus
from partyapp.models import AuditEntry, Role
from partyapp.ratings import entries, evaluation, scoring
from partyapp.ratings.models import ScoreEntry, ServiceHours

from .factories import make_branch, make_person
from .factories_disclosures import make_commitment
from .factories_meetings import make_meeting
from .factories_opinions import make_opinion
from .factories_ratings import (add_hours, branch_rubric, deduction_item, item_of, make_round,
                                manual_item)

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=clock.UTC)  # 10:00 in China


@pytest.fixture
def today(frozen):
    frozen(NOW)


def china(y, m, d, hour=9):
    return clock.local_datetime(date(y, m, d)) + timedelta(hours=hour)


def closed_meeting(branch, when, present):
    meeting = make_meeting(branch, starts_at=when, status=MeetingStatus.CLOSED)
    db.session.add_all(CheckIn(meeting_id=meeting.id, person_id=p.id, at=when) for p in present)
    db.session.commit()
    return meeting


def seed_attendance(world):
    """Four closed meetings in 2026 (one in 2025 that must not count). The member is present
    at three of the four, the secretary at none."""
    meeting_services.ensure_default_kinds()
    m = world.member
    closed_meeting(world.branch, china(2026, 3, 5), [m])
    closed_meeting(world.branch, china(2026, 5, 7), [m])
    closed_meeting(world.branch, china(2026, 8, 6), [m])
    closed_meeting(world.branch, china(2026, 10, 15), [])
    closed_meeting(world.branch, china(2025, 12, 4), [])


def seed_commitments(world):
    """The member: two commitments due in 2026, one kept; one due in 2027 does not count."""
    make_commitment(world.branch, world.member, kind=CommitmentKind.MEMBER, title="义务清扫",
                    due_on=date(2026, 6, 30), status=CommitmentStatus.KEPT, percent=100)
    make_commitment(world.branch, world.member, kind=CommitmentKind.MEMBER, title="帮扶老人",
                    due_on=date(2026, 12, 31), status=CommitmentStatus.IN_PROGRESS)
    make_commitment(world.branch, world.member, kind=CommitmentKind.MEMBER, title="明年的事",
                    due_on=date(2027, 3, 31))
    db.session.commit()


def assigned_opinion(world, received, replied=None, person=None):
    opinion, _ = make_opinion(world.branch, at=received)
    opinion.assignee_id = (person or world.secretary).id
    if replied is not None:
        opinion.first_replied_at = opinion.replied_at = replied
    db.session.commit()
    return opinion


def seed_opinions(world):
    """The secretary (两委): four opinions already due in 2026 — two answered in time, one
    late, one not at all — and one not due yet (does not count)."""
    on_time_1 = assigned_opinion(world, china(2026, 3, 2))
    on_time_1.first_replied_at = on_time_1.first_due_at - timedelta(days=2)
    on_time_2 = assigned_opinion(world, china(2026, 4, 1))
    on_time_2.first_replied_at = on_time_2.first_due_at - timedelta(minutes=1)
    late = assigned_opinion(world, china(2026, 6, 1))
    late.first_replied_at = late.first_due_at + timedelta(hours=3)
    assigned_opinion(world, china(2026, 9, 1))                 # never answered, overdue
    assigned_opinion(world, china(2026, 11, 20))               # due after today
    db.session.commit()


def seed_satisfaction(world):
    """A closed Q3 round: the member gets 优秀 from the group leader and 合格 from the
    recorder. An open Q4 round's ballot does not count."""
    closed = make_round(world.branch, quarter=3)
    assert evaluation.cast_ballot(world.group_leader, closed, {
        world.member.id: "excellent", world.recorder.id: "good", world.secretary.id: "good"}) is None
    assert evaluation.cast_ballot(world.recorder, closed, {
        world.member.id: "good", world.group_leader.id: "good", world.secretary.id: "excellent"}) is None
    evaluation.close_round(world.secretary, closed)
    still_open = make_round(world.branch, quarter=4)
    assert evaluation.cast_ballot(world.secretary, still_open, {
        world.member.id: "poor", world.recorder.id: "poor", world.group_leader.id: "poor"}) is None


def seed_everything(world):
    seed_attendance(world)
    seed_commitments(world)
    seed_opinions(world)
    seed_satisfaction(world)
    rubric = branch_rubric(world.secretary, world.branch)
    add_hours(world.secretary, world.branch, world.member, 3)
    add_hours(world.secretary, world.branch, world.member, 5, served_on=date(2026, 9, 9))
    add_hours(world.secretary, world.branch, world.member, 4, served_on=date(2025, 9, 9))
    wrong = add_hours(world.secretary, world.branch, world.member, 10, text="登记错了")
    entries.revoke(world.secretary, "hours", wrong, world.branch, "重复登记")
    add_hours(world.secretary, world.branch, world.secretary, 12)
    entries.add_entry(world.secretary, world.branch, manual_item(rubric), world.member.id, 5,
                      "带头清理河道")
    entries.add_entry(world.secretary, world.branch, manual_item(rubric), world.member.id, 3,
                      "调解邻里纠纷")
    entries.add_entry(world.secretary, world.branch, deduction_item(rubric), world.member.id, 15,
                      "无故连续三个月不交党费")
    return rubric


def score_of(world, person):
    rubric, scores = scoring.branch_scores(world.branch, 2026, people=[person])
    return {item.item.source or item.item.kind: item for item in scores[0].items}, scores[0]


def test_each_automatic_item_is_computed_from_the_records(world, today):
    seed_everything(world)
    items, member = score_of(world, world.member)
    assert items["attendance"].points == 9.0          # 12 × 3/4
    assert "应到 4 次" in items["attendance"].detail and "实到 3 次" in items["attendance"].detail
    assert items["commitments"].points == 4.0         # 8 × 1/2
    assert items["commitments"].detail == "本年到期 2 项，已兑现 1 项"
    assert items["opinions"].points == 5.0            # not a 两委 member: not applicable
    assert "不适用" in items["opinions"].detail
    assert items["service_hours"].points == 4.0       # (3 + 5) h × 0.5
    assert items["satisfaction"].points == 9.0        # 10 × (1 + 0.8) / 2
    assert "优秀 1、合格 1、基本合格 0、不合格 0" in items["satisfaction"].detail
    assert items["manual"].points == 8.0              # 5 + 3
    assert items["deduction"].points == -15.0
    # 60 + 9 + 4 + 5 + 4 + 9 + 8 − 15
    assert member.total == 84.0
    assert member.stars == 3


def test_the_secretarys_opinions_answered_on_time_and_capped_hours(world, today):
    seed_everything(world)
    items, secretary = score_of(world, world.secretary)
    assert items["opinions"].points == 2.5            # 5 × 2/4
    assert items["opinions"].detail == "交办意见 4 件，按时答复 2 件"
    assert items["attendance"].points == 0.0          # 0 of 4
    assert items["service_hours"].points == 5.0       # 12 h × 0.5 = 6, capped at 5
    assert items["commitments"].points == 0.0         # none due
    assert items["satisfaction"].points == 9.0        # 合格 + 优秀 in the closed round
    # 60 + 0 + 0 + 2.5 + 5 + 9 + 0 − 0
    assert secretary.total == 76.5
    assert secretary.stars == 2


def test_thresholds_turn_scores_into_stars_and_are_configuration(world, today):
    rubric = branch_rubric(world.secretary, world.branch)
    cases = {100: 5, 96: 5, 95.9: 4, 90: 4, 89.9: 3, 80: 3, 79.9: 2, 70: 2, 69.9: 1, 60: 1,
             59.9: 0, 12: 0}
    assert {score: scoring.stars_for(score, rubric.thresholds) for score in cases} == cases
    seed_everything(world)
    scoring.update_rubric(world.secretary, rubric, 60, {},
                          {5: 98, 4: 92, 3: 85, 2: 70, 1: 60})
    _, member = score_of(world, world.member)
    assert (member.total, member.stars) == (84.0, 2)
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "rating.rubric_update"))
    assert '"3": 85' in audit.detail and '"3": 80' in audit.detail


def test_the_branch_rubric_is_copied_from_the_town_default(world, today):
    town_default = scoring.ensure_town_default(world.town.id, 2026)
    db.session.commit()
    assert scoring.find_rubric(world.branch, 2026).id == town_default.id
    own = branch_rubric(world.secretary, world.branch)
    assert own.copied_from_id == town_default.id and own.base_score == 60
    assert [(i.label, i.max_points) for i in own.items] == [
        ("参加三会一课、主题党日", 12), ("承诺事项兑现", 8), ("群众意见按时答复（两委成员）", 5),
        ("志愿服务时长", 5), ("党员满意度测评", 10), ("先锋模范作用（支委会评定）", 10),
        ("违反红线扣分", 60)]
    assert {t.stars: t.min_score for t in own.thresholds} == {5: 96, 4: 90, 3: 80, 2: 70, 1: 60}
    assert scoring.find_rubric(world.branch, 2026).id == own.id
    assert scoring.find_rubric(world.other_branch, 2026).id == town_default.id


def test_an_exemption_by_branch_decision_gives_full_marks_until_revoked(world, today):
    rubric = seed_everything(world)
    commitments = item_of(rubric, "auto", "commitments")
    exemption = entries.add_exemption(world.secretary, world.branch, commitments, world.member.id,
                                      "年老体弱，经支委会决定免于承诺考核", date(2026, 3, 1))
    items, member = score_of(world, world.member)
    assert items["commitments"].points == 8.0
    assert "免于考核" in items["commitments"].detail
    assert member.total == 88.0
    assert entries.add_exemption(world.secretary, world.branch, deduction_item(rubric),
                                 world.member.id, "病", date(2026, 3, 1)) == "红线扣分项不能免除"
    entries.revoke(world.secretary, "exemption", exemption, world.branch, "决定撤回")
    assert score_of(world, world.member)[1].total == 84.0


def test_revoked_entries_stop_counting_but_are_kept_and_audited(world, today):
    rubric = seed_everything(world)
    deduction = db.session.scalar(select(ScoreEntry).where(ScoreEntry.points == 15))
    assert entries.revoke(world.secretary, "entry", deduction, world.branch, "经核实已补交") is None
    assert score_of(world, world.member)[1].total == 99.0
    assert entries.revoke(world.secretary, "entry", deduction, world.branch, "再撤") == "这条记录已经撤销"
    kept = db.session.get(ScoreEntry, deduction.id)
    assert kept.revoked_by_id == world.secretary.id and kept.revoke_reason == "经核实已补交"
    assert db.session.scalar(select(func.count(ScoreEntry.id))) == 3
    assert db.session.scalar(select(func.count(ServiceHours.id))) == 5
    actions = set(db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.action.like("rating.%"))))
    assert {"rating.entry_add", "rating.entry_revoke", "rating.hours_add", "rating.hours_revoke",
            "rating.rubric_copy"} <= actions
    assert "rating.ballot_cast" not in actions    # a ballot leaves no line: nobody voted "when"
    assert entries.add_entry(world.secretary, world.branch, manual_item(rubric), world.member.id,
                             11, "太多") == "分值应在 1 到 10 之间"


def test_secretary_records_hours_entries_and_revocations_through_the_pages(
        world, today, client, login):
    branch_rubric(world.secretary, world.branch)
    login(world.secretary)
    base = f"/ratings/b/{world.branch.id}/m/{world.member.id}"
    response = client.post(f"{base}/hours", data={"served_on": "2026-11-01", "hours": "2",
                                                  "description": "敬老院打扫卫生"})
    assert response.status_code == 303
    response = client.post(f"{base}/entries", data={"position": "5", "points": "4",
                                                     "reason": "防汛值守"})
    assert response.status_code == 303
    response = client.post(f"{base}/entries", data={"position": "5", "points": "abc", "reason": ""})
    assert response.status_code == 200 and "请填写整数" in response.get_data(as_text=True)
    response = client.post(f"{base}/hours", data={"served_on": "2026-12-01", "hours": "2",
                                                  "description": "未来"})
    assert "服务日期不能晚于今天" in response.get_data(as_text=True)
    page = client.get(base).get_data(as_text=True)
    assert "防汛值守" in page and "敬老院打扫卫生" in page
    assert "60 + " not in page  # the page explains, it does not show formulas in code
    hours = db.session.scalar(select(ServiceHours))
    response = client.post(f"/ratings/b/{world.branch.id}/revoke/hours/{hours.id}",
                           data={"reason": "登记错人"})
    assert response.status_code == 303
    assert db.session.get(ServiceHours, hours.id).revoked_at is not None
    # A row of another branch cannot be revoked from this one.
    other = entries.add_hours(world.other_branch_secretary, world.other_branch,
                              world.other_member.id, date(2026, 11, 1), 1, "乙村")
    response = client.post(f"/ratings/b/{world.branch.id}/revoke/hours/{other.id}",
                           data={"reason": "x"})
    assert response.status_code == 404


def test_the_branch_overview_lists_members_in_pinyin_order_not_by_score(
        world, today, client, login):
    seed_everything(world)
    login(world.secretary)
    page = client.get(f"/ratings/b/{world.branch.id}").get_data(as_text=True)
    names = ["记录员", "普通党员", "书记甲", "小组长"]
    positions = [page.index(f'<span class="list__title">{name}</span>') for name in names]
    assert positions == sorted(positions)
    assert "排名" not in page.replace("不排名次", "")
    assert "84.0 分" in page and "76.5 分" in page


def test_a_member_sees_only_their_own_breakdown(world, today, client, login):
    seed_everything(world)
    login(world.member)
    page = client.get("/ratings/").get_data(as_text=True)
    assert "84.0" in page and "3 星" in page and "带头清理河道" in page
    assert "无故连续三个月不交党费" in page
    assert "书记甲" not in page
    assert client.get(f"/ratings/b/{world.branch.id}/m/{world.secretary.id}").status_code == 403
    assert client.get(f"/ratings/b/{world.branch.id}").status_code == 403


def test_the_rubric_page_edits_maxima_and_thresholds(world, today, client, login):
    login(world.secretary)
    url = f"/ratings/b/{world.branch.id}/rubric"
    assert "还没有细则" in client.get(url).get_data(as_text=True)
    assert client.post(url, data={"adopt": "1"}).status_code == 303
    form = {"base": "60", **{f"max-{i}": v for i, v in enumerate([15, 8, 5, 5, 10, 10, 60])},
            "stars-5": "95", "stars-4": "90", "stars-3": "80", "stars-2": "70", "stars-1": "60"}
    assert client.post(url, data=form).status_code == 303
    rubric = scoring.find_rubric(world.branch, 2026)
    assert rubric.items[0].max_points == 15
    assert {t.stars: t.min_score for t in rubric.thresholds}[5] == 95
    bad = dict(form, **{"stars-4": "99"})
    response = client.post(url, data=bad)
    assert response.status_code == 200 and "星级越高，分数线应越高" in response.get_data(as_text=True)
    response = client.post(url, data=dict(form, base="abc"))
    assert "请填写 0 到 100 之间的整数" in response.get_data(as_text=True)


def _branch_of(size, town, slug):
    branch = make_branch(town, slug)
    for n in range(size):
        make_person(f"党员{n:02d}", org=branch,
                    roles=(Role.MEMBER, Role.COMMITTEE) if n % 5 == 0 else (Role.MEMBER,))
    rubric = scoring.ensure_branch_rubric(None, branch, 2026)
    people = scoring.branch_members(branch)
    for person in people[::3]:
        entries.add_entry(None, branch, manual_item(rubric), person.id, 2, "积极")
        entries.add_hours(None, branch, person.id, date(2026, 5, 1), 2, "服务")
    db.session.commit()
    return branch


def test_the_overview_costs_the_same_queries_for_10_or_40_members(
        world, today, client, login, queries):
    meeting_services.ensure_default_kinds()
    small, large = _branch_of(10, world.town, "small"), _branch_of(40, world.town, "large")
    for branch in (small, large):
        make_meeting(branch, starts_at=china(2026, 4, 1), status=MeetingStatus.CLOSED)
    login(world.town_admin)
    client.get("/")
    counts = []
    for branch in (small, large):
        with queries() as q:
            response = client.get(f"/ratings/b/{branch.id}")
        assert response.status_code == 200
        counts.append(q.count)
    assert counts[0] == counts[1]
    assert counts[0] <= 15


def test_approved_leave_does_not_count_against_attendance(world, today):
    from partyapp.meetings.models import LeaveRequest, LeaveStatus

    meeting_services.ensure_default_kinds()
    first = closed_meeting(world.branch, china(2026, 2, 5), [world.recorder])
    closed_meeting(world.branch, china(2026, 4, 9), [world.recorder])
    on_leave = closed_meeting(world.branch, china(2026, 6, 4), [])
    closed_meeting(world.branch, china(2026, 9, 3), [])
    db.session.add(LeaveRequest(meeting_id=on_leave.id, person_id=world.recorder.id,
                                leave_type="sick", reason="住院", status=LeaveStatus.APPROVED))
    # A pending request is still an absence.
    db.session.add(LeaveRequest(meeting_id=first.id, person_id=world.member.id,
                                leave_type="sick", reason="感冒", status=LeaveStatus.PENDING))
    db.session.commit()
    branch_rubric(world.secretary, world.branch)
    items, _ = score_of(world, world.recorder)
    assert items["attendance"].points == 8.0          # 12 × 2 / (4 − 1)
    assert items["attendance"].detail == "应到 4 次，请假 1 次，实到 2 次，出勤率 67%"
    items, _ = score_of(world, world.member)
    assert items["attendance"].points == 0.0          # 0 of 4, the pending leave is no excuse
