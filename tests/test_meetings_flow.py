"""Meetings from plan to ledger: planning, publishing and reminders, leave, closing with
minutes and computed counts, 补学, the Excel ledger, compliance and its monthly reminder."""
import io
from datetime import date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from partyapp import clock
from partyapp.extensions import db
from partyapp.meetings import checkin, services
from partyapp.meetings.models import (ComplianceReminder, LeaveRequest, MakeUpStudy,
                                      Meeting, MeetingStatus)
from partyapp.models import AuditEntry, Notification, OutboundMessage

from .factories_meetings import make_meeting

START = datetime(2026, 11, 24, 1, 0, tzinfo=clock.UTC)       # Tue 24 Nov 2026, 09:00 China


def text(response) -> str:
    return response.get_data(as_text=True)


def inbox(person) -> list[str]:
    return list(db.session.scalars(select(Notification.title).where(
        Notification.person_id == person.id).order_by(Notification.id)))


# ---- planning and publishing ------------------------------------------------------------------
def test_the_secretary_files_a_plan_for_the_whole_branch(client, login, world, frozen):
    frozen(START)
    login(world.secretary)
    form = client.get("/meetings/plan")
    assert "主题党日（每月）" in text(form) and "党小组会（每月（每个党小组））" in text(form)
    kinds = {k.code: k.id for k in services.active_kinds()}
    response = client.post("/meetings/plan", data={
        "org_id": world.branch.id, "kind_ids": [kinds["theme_day"], kinds["party_lecture"]],
        "topic": "11月主题党日暨党课", "day": "2026-11-26", "start": "09:00", "end": "11:00",
        "place": "村部会议室", "host_id": world.secretary.id, "recorder_id": world.recorder.id,
        "checkin_opens_minutes": "30", "late_after_minutes": "10"})
    assert response.status_code == 303
    meeting = db.session.scalar(select(Meeting))
    assert meeting.kind_names == "党课、主题党日"
    assert meeting.starts_at == datetime(2026, 11, 26, 1, 0, tzinfo=clock.UTC)
    assert len(services.attendee_ids(meeting.id)) == 4
    assert meeting.status == "planned"


def test_a_group_leader_plans_for_the_group_only(client, login, world, frozen):
    frozen(START)
    login(world.group_leader)
    kinds = {k.code: k.id for k in services.active_kinds()}
    data = {"kind_ids": [kinds["group_meeting"]], "topic": "小组学习", "day": "2026-11-26",
            "start": "19:00", "end": "20:00", "host_id": "0", "recorder_id": "0",
            "checkin_opens_minutes": "30", "late_after_minutes": "10"}
    refused = client.post("/meetings/plan", data=dict(data, org_id=world.branch.id))
    assert refused.status_code == 200 and db.session.scalar(select(func.count(Meeting.id))) == 0
    assert client.post("/meetings/plan", data=dict(data, org_id=world.group.id)).status_code == 303
    meeting = db.session.scalar(select(Meeting))
    assert set(services.attendee_ids(meeting.id)) == {world.member.id, world.group_leader.id}
    assert meeting.branch_id == world.branch.id


def test_end_before_start_is_refused_with_a_message(client, login, world, frozen):
    frozen(START)
    login(world.secretary)
    kinds = {k.code: k.id for k in services.active_kinds()}
    response = client.post("/meetings/plan", data={
        "org_id": world.branch.id, "kind_ids": [kinds["theme_day"]], "topic": "x",
        "day": "2026-11-26", "start": "10:00", "end": "09:00", "host_id": "0",
        "recorder_id": "0", "checkin_opens_minutes": "30", "late_after_minutes": "10"})
    assert response.status_code == 200 and "结束时间要晚于开始时间" in text(response)


def test_publishing_cancelling_and_moving_notify_the_attendees(client, login, world, frozen):
    frozen(START)
    meeting = make_meeting(world.branch, starts_at=START + timedelta(days=2),
                           status=MeetingStatus.PLANNED, host=world.secretary)
    login(world.secretary)
    client.post(f"/meetings/{meeting.id}/publish")
    assert inbox(world.member) == ["会议通知：学习党的二十届四中全会精神"]
    assert inbox(world.villager_rep) == []         # not on a 主题党日's list
    client.post(f"/meetings/{meeting.id}/edit", data={
        "day": "2026-11-27", "start": "14:00", "end": "16:00", "place": "文化礼堂"})
    assert inbox(world.member)[-1] == "会议时间地点变更：学习党的二十届四中全会精神"
    client.post(f"/meetings/{meeting.id}/cancel", data={"reason": "遇台风"})
    assert inbox(world.member)[-1] == "会议取消：学习党的二十届四中全会精神"
    outward = list(db.session.scalars(select(OutboundMessage.text)))
    assert len(outward) == 3 and "遇台风" in outward[2]
    assert db.session.get(Meeting, meeting.id).status == "cancelled"


def test_the_copy_notice_text(client, login, world, frozen):
    frozen(START)
    meeting = make_meeting(world.branch, starts_at=START, host=world.secretary)
    login(world.secretary)
    page = text(client.get(f"/meetings/{meeting.id}/notice"))
    assert "【甲一村党支部会议通知】" in page
    assert "时间：11月24日 09:00–10:30" in page and "主持人：书记甲" in page


def test_the_reminder_the_day_before_is_sent_once(app_ctx, world, frozen):
    frozen(START)
    tomorrow = make_meeting(world.branch, starts_at=START + timedelta(days=1))
    make_meeting(world.branch, starts_at=START + timedelta(days=3))     # not yet
    assert services.send_day_before_reminders() == 1
    assert services.send_day_before_reminders() == 0
    assert inbox(world.member) == [f"明天开会：{tomorrow.topic}"]


# ---- leave --------------------------------------------------------------------------------------
def test_leave_is_asked_approved_and_counted_as_leave(client, login, world, frozen):
    frozen(START)
    meeting = make_meeting(world.branch, starts_at=START + timedelta(days=1))
    login(world.member)
    response = client.post(f"/meetings/{meeting.id}/leave",
                           data={"leave_type": "sick", "reason": "住院复查"})
    assert response.status_code == 303
    assert inbox(world.secretary) == ["请假待审批：普通党员"]
    login(world.secretary)
    todo = text(client.get("/"))
    assert "审批请假：普通党员" in todo
    leave = db.session.scalar(select(LeaveRequest))
    client.post(f"/meetings/leave/{leave.id}", data={"decision": "approve"})
    db.session.expire_all()
    assert db.session.scalar(select(LeaveRequest.status)) == "approved"
    assert inbox(world.member)[-1] == f"请假已批准：{meeting.topic}"
    counts = services.meeting_counts([meeting.id])[meeting.id]
    assert (counts.expected, counts.on_leave, counts.absent) == (4, 1, 3)


def stored_counts(meeting) -> services.Counts:
    """A closed meeting's frozen columns (what the town figures add up) as Counts."""
    expected, present, on_leave = meeting.expected_count, meeting.present_count, meeting.leave_count
    return services.Counts(expected, present, on_leave, expected - present - on_leave,
                           meeting.late_count)


def test_leave_decided_after_closing_updates_the_frozen_counts(client, login, world, frozen):
    frozen(START)
    meeting = make_meeting(world.branch, starts_at=START + timedelta(hours=1),
                           host=world.secretary, recorder=world.secretary)
    assert services.request_leave(world.member, meeting, "sick", "住院复查") is None
    frozen(START + timedelta(hours=4))
    assert services.close_meeting(world.secretary, meeting, "学习文件，讨论村务，布置下月工作。") == []
    db.session.refresh(meeting)
    assert (meeting.expected_count, meeting.present_count, meeting.leave_count) == (4, 0, 0)
    login(world.secretary)
    leave = db.session.scalar(select(LeaveRequest))
    client.post(f"/meetings/leave/{leave.id}", data={"decision": "approve"})
    db.session.expire_all()
    frozen_counts = stored_counts(db.session.get(type(meeting), meeting.id))
    assert (frozen_counts.expected, frozen_counts.on_leave, frozen_counts.absent) == (4, 1, 3)
    assert frozen_counts == services.meeting_counts([meeting.id])[meeting.id]


def test_leave_after_the_start_is_refused(client, login, world, frozen):
    frozen(START)
    meeting = make_meeting(world.branch, starts_at=START - timedelta(minutes=1))
    login(world.member)
    response = client.post(f"/meetings/{meeting.id}/leave",
                           data={"leave_type": "personal", "reason": "有事"})
    assert "会议已经开始，不能再请假" in text(response)
    assert db.session.scalar(select(func.count(LeaveRequest.id))) == 0


def test_another_branch_secretary_cannot_approve(client, login, world, frozen):
    frozen(START)
    meeting = make_meeting(world.branch, starts_at=START + timedelta(days=1))
    leave = LeaveRequest(meeting_id=meeting.id, person_id=world.member.id, leave_type="sick",
                         reason="病")
    db.session.add(leave)
    db.session.commit()
    login(world.other_branch_secretary)
    assert client.post(f"/meetings/leave/{leave.id}", data={"decision": "approve"}).status_code \
        == 403


# ---- closing, counts, 补学 ---------------------------------------------------------------------
@pytest.fixture
def held(world, frozen):
    """A 主题党日 of A1 on 24 Nov: member on time, recorder late, group leader on approved
    leave, secretary absent."""
    frozen(START)
    meeting = make_meeting(world.branch, starts_at=START, host=world.secretary,
                           recorder=world.recorder)
    db.session.add(LeaveRequest(meeting_id=meeting.id, person_id=world.group_leader.id,
                                leave_type="official", reason="镇里开会", status="approved"))
    db.session.commit()
    assert checkin.check_in(meeting, world.member.id).ok
    clock.move(timedelta(minutes=15))
    assert checkin.check_in(meeting, world.recorder.id).late
    clock.move(timedelta(hours=2))
    return meeting


def test_counts_come_from_the_per_person_records(app_ctx, held):
    counts = services.meeting_counts([held.id])[held.id]
    assert (counts.expected, counts.present, counts.on_leave, counts.absent, counts.late) == \
        (4, 2, 1, 1, 1)


def test_closing_needs_minutes_host_and_recorder(client, login, world, frozen):
    frozen(START)
    meeting = make_meeting(world.branch, starts_at=START - timedelta(hours=2))
    login(world.secretary)
    response = client.post(f"/meetings/{meeting.id}/close", data={"minutes": "短"})
    page = text(response)
    assert "请先指定主持人" in page and "请先指定记录人" in page and "至少10个字" in page
    assert db.session.get(Meeting, meeting.id).status == "published"


def test_closing_locks_the_record_and_gives_absent_members_make_up_study(
        client, login, world, held):
    login(world.recorder)
    minutes = "书记领学四中全会公报，党员逐一发言，讨论冬季防火安排。"
    assert client.post(f"/meetings/{held.id}/close", data={"minutes": minutes}).status_code == 303
    db.session.expire_all()
    meeting = db.session.get(Meeting, held.id)
    assert meeting.status == "closed" and meeting.minutes == minutes
    studies = db.session.execute(select(MakeUpStudy.person_id, MakeUpStudy.due_on)).all()
    assert studies == [(world.secretary.id, date(2026, 12, 1))]     # 24 Nov + 7 days
    # The record is locked: the recorder may no longer change it, the secretary may (audited).
    assert client.post(f"/meetings/{held.id}/close", data={"minutes": "改过的记录内容十个字以上"}
                       ).status_code == 403
    login(world.secretary)
    client.post(f"/meetings/{held.id}/close", data={"minutes": "补充：会后整改三项问题，已落实。"})
    amended = db.session.scalar(select(AuditEntry).where(
        AuditEntry.action == "meeting.amend_minutes"))
    assert amended.actor_id == world.secretary.id and minutes in amended.detail
    # 补学 shows on the secretary's 首页 and can be marked done.
    assert "补学：" in text(client.get("/"))
    study_id = db.session.scalar(select(MakeUpStudy.id))
    client.post(f"/meetings/makeup/{study_id}/done")
    db.session.expire_all()
    assert db.session.scalar(select(MakeUpStudy.done_at)) is not None


def test_the_recorder_is_asked_for_minutes_after_the_meeting(client, login, world, held):
    login(world.recorder)
    assert f"写会议记录：{held.topic}" in text(client.get("/"))


def test_a_checked_in_member_has_nothing_to_attend_on_the_home_page(
        client, login, world, frozen):
    frozen(START)
    meeting = make_meeting(world.branch, starts_at=START + timedelta(hours=1))
    login(world.member)
    assert f"参加会议：{meeting.topic}" in text(client.get("/"))
    clock.move(timedelta(minutes=40))
    checkin.check_in(meeting, world.member.id)
    assert f"参加会议：{meeting.topic}" not in text(client.get("/"))


# ---- ledger, export, compliance -----------------------------------------------------------------
def _close(meeting, recorder):
    assert services.close_meeting(recorder, meeting, "会议记录：学习文件，讨论发言。") == []


def test_the_excel_export_reads_back_with_the_right_counts(client, login, world, held):
    _close(held, world.recorder)
    login(world.secretary)
    response = client.get(f"/meetings/ledger/{world.branch.id}/export.xlsx?period=2026-Q4")
    book = load_workbook(io.BytesIO(response.data))
    meetings = list(book["会议台账"].iter_rows(values_only=True))
    assert meetings[0][7:] == ("应到", "实到", "请假", "缺席", "迟到", "免于参加", "列席", "补记",
                               "会议记录")
    assert meetings[1][0] == "2026-11-24"
    assert meetings[1][7:] == (4, 2, 1, 1, 1, 0, 0, None, "会议记录：学习文件，讨论发言。")
    people = sorted(row[2:4] for row in list(book["出勤明细"].iter_rows(values_only=True))[1:])
    assert people == sorted([("普通党员", "已到"), ("记录员", "迟到"), ("小组长", "请假"),
                             ("书记甲", "未到")])


def test_the_ledger_and_its_print_view(client, login, world, held):
    _close(held, world.recorder)
    login(world.town_admin)
    page = text(client.get(f"/meetings/ledger/{world.branch.id}?period=2026-Q4"))
    assert held.topic in page and "<td>4</td><td>2</td><td>1</td><td>1</td><td>1</td><td>0</td>" in page
    printed = text(client.get(f"/meetings/ledger/{world.branch.id}/print?period=2026-Q4"))
    assert "应到 4 人，实到 2 人，请假 1 人，缺席 1 人，迟到 1 人" in printed


def test_another_branch_secretary_gets_403_on_the_ledger(client, login, world, held):
    login(world.other_branch_secretary)
    for path in ("", "/print", "/export.xlsx"):
        assert client.get(f"/meetings/ledger/{world.branch.id}{path}").status_code == 403
    assert client.get(f"/meetings/compliance/{world.branch.id}").status_code == 403


def _held(world, org, code, day: date, *extra_codes):
    meeting = make_meeting(org, kinds=(code, *extra_codes),
                           starts_at=clock.local_datetime(day, datetime.min.time().replace(
                               hour=19)), host=world.secretary, recorder=world.recorder,
                           status=MeetingStatus.CLOSED, attendee_ids=[world.member.id])
    return meeting


@pytest.fixture
def quarter(world):
    """Q4 2026 for branch A1 (one party group). Missing on purpose: the 支部党员大会 of the
    quarter, December's 主题党日, the group's November meeting, the 班子联席会议 of the week of
    Monday 16 November. The week of Monday 30 November is held on Wednesday 2 December."""
    b, g = world.branch, world.group
    _held(world, b, "theme_day", date(2026, 10, 10), "party_lecture")   # one meeting, two kinds
    _held(world, b, "theme_day", date(2026, 11, 14))
    for month in (10, 11, 12):
        _held(world, b, "branch_committee", date(2026, month, 5))
    _held(world, g, "group_meeting", date(2026, 10, 20))
    _held(world, g, "group_meeting", date(2026, 12, 20))
    _held(world, b, "party_mass_joint", date(2026, 12, 1))
    mondays = [date(2026, 10, 5) + timedelta(weeks=n) for n in range(13)]   # 5 Oct .. 28 Dec
    for monday in mondays:
        if monday == date(2026, 11, 16):
            continue
        _held(world, b, "joint_leadership", monday + timedelta(days=2 if monday == date(
            2026, 11, 30) else 0))
    # Planned but never closed: does not count.
    make_meeting(b, kinds=("branch_assembly",), starts_at=clock.local_datetime(date(2026, 12, 9)))
    return world


def _missing(result):
    return sorted((m.org.name, m.kind.name, m.period_label, m.held) for m in result.missing)


def test_compliance_finds_exactly_the_missing_meetings_in_a_quarter(app_ctx, quarter):
    result = services.branch_compliance([quarter.branch.id], services.parse_period("2026-Q4"))
    assert _missing(result[quarter.branch.id]) == sorted([
        ("甲一村党支部", "支部党员大会", "2026年第4季度", 0),
        ("甲一村党支部", "主题党日", "12月", 0),
        ("第一党小组", "党小组会", "11月", 0),
        ("甲一村党支部", "班子联席会议", "11月16日那周", 0),
    ])


def test_a_week_belongs_to_the_month_of_its_monday(app_ctx, quarter):
    november = services.branch_compliance([quarter.branch.id], services.parse_period("2026-11"))
    assert _missing(november[quarter.branch.id]) == sorted([
        ("第一党小组", "党小组会", "11月", 0),
        ("甲一村党支部", "班子联席会议", "11月16日那周", 0)])


def test_compliance_page_lists_the_missing_meetings(client, login, quarter):
    login(quarter.secretary)
    page = text(client.get(f"/meetings/compliance/{quarter.branch.id}?period=2026-Q4"))
    assert page.count('class="list__item"') >= 4 and "11月16日那周" in page


def test_the_monthly_reminder_goes_once_per_branch_kind_and_period(app_ctx, world, frozen):
    frozen(datetime(2026, 12, 1, 1, 0, tzinfo=clock.UTC))
    assert services.send_compliance_reminders() == 2        # A1 and A2 have a secretary
    assert services.send_compliance_reminders() == 0
    assert inbox(world.secretary) == ["本月还有会议要开"]
    rows = db.session.scalars(select(ComplianceReminder.period_key).where(
        ComplianceReminder.org_id == world.branch.id)).all()
    # 4 kinds due in December (委员会, 党小组会, 主题党日, 班子联席会议) + 3 quarterly ones.
    assert sorted(rows) == ["2026-12"] * 4 + ["2026-Q4"] * 3


# ---- what other features read -----------------------------------------------------------------
def test_attendance_summary_is_one_query_for_many_people(app_ctx, world, held, queries):
    _close(held, world.recorder)
    ids = [world.member.id, world.recorder.id, world.group_leader.id, world.secretary.id,
           world.other_member.id]
    with queries() as q:
        summary = services.attendance_summary(ids, date(2026, 1, 1), date(2026, 12, 31))
    assert q.count == 1
    got = {pid: (c.expected, c.present, c.on_leave, c.absent, c.late) for pid, c in
           summary.items()}
    assert got == {world.member.id: (1, 1, 0, 0, 0), world.recorder.id: (1, 1, 0, 0, 1),
                   world.group_leader.id: (1, 0, 1, 0, 0), world.secretary.id: (1, 0, 0, 1, 0),
                   world.other_member.id: (0, 0, 0, 0, 0)}


def test_branch_compliance_query_count_does_not_grow_with_meetings(app_ctx, quarter, queries):
    ids = [quarter.branch.id, quarter.other_branch.id]
    with queries() as q:
        services.branch_compliance(ids, services.parse_period("2026-Q4"))
    # branches, groups, kinds (count + rows), meetings with their kinds: 5 whatever the data.
    assert q.count == 5


def test_my_meetings_page_shows_rate_and_history(client, login, world, held):
    _close(held, world.recorder)
    login(world.recorder)
    page = text(client.get("/meetings/"))
    assert "100%" in page and "✓ 迟到" in page
    assert "会议台账" in page


def test_the_town_admin_changes_a_frequency_and_compliance_follows(client, login, world, frozen):
    frozen(START)
    kind = services.kind_by_code("party_lecture")
    db.session.commit()
    login(world.town_admin)
    assert "党课" in text(client.get("/meetings/kinds"))
    client.post(f"/meetings/kinds/{kind.id}", data={
        f"k{kind.id}-period": "month", f"k{kind.id}-min_per_period": "2", f"k{kind.id}-active": "1"})
    november = services.branch_compliance([world.branch.id], services.parse_period("2026-11"))
    lectures = [(m.kind.name, m.period_label, m.required) for m in november[world.branch.id].missing
                if m.kind.code == "party_lecture"]
    assert lectures == [("党课", "11月", 2)]
    assert db.session.scalar(select(AuditEntry.action).where(
        AuditEntry.entity == "meeting_kind")) == "meeting_kind.update"
    login(world.secretary)
    assert client.get("/meetings/kinds").status_code == 403


def test_a_plan_may_name_its_own_list(client, login, world, frozen):
    frozen(START)
    login(world.secretary)
    kinds = {k.code: k.id for k in services.active_kinds()}
    client.post("/meetings/plan", data={
        "org_id": world.branch.id, "kind_ids": [kinds["branch_committee"]], "topic": "支委会",
        "day": "2026-11-26", "start": "09:00", "end": "10:00", "host_id": "0", "recorder_id": "0",
        "attendee_ids": [world.secretary.id, world.recorder.id],
        "checkin_opens_minutes": "30", "late_after_minutes": "10"})
    meeting = db.session.scalar(select(Meeting))
    assert sorted(services.attendee_ids(meeting.id)) == sorted([world.secretary.id,
                                                                world.recorder.id])


def test_the_demo_has_closed_meetings_with_check_ins_and_one_about_to_start(app_ctx, frozen):
    from partyapp.demo import seed_demo

    frozen(START)
    ctx = seed_demo("pbkdf2:sha256:1000$x$y")
    meetings = db.session.scalars(select(Meeting).order_by(Meeting.id)).all()
    # per village: seven held (one of each kind but 支部党员大会), the 支部党员大会 entered
    # afterwards (补记), a filed plan (计划报备) and the meeting about to start
    village = ["closed"] * 8 + ["planned", "published"]
    assert [m.status for m in meetings] == village * 2
    assert [m.backfilled for m in meetings[:10]] == [False] * 7 + [True, False, False]
    soon = meetings[9]
    assert soon.starts_at == START + timedelta(minutes=10)
    assert soon.branch_id == ctx.villages["donghu"].id
    counts = services.meeting_counts([meetings[0].id])[meetings[0].id]
    # 19 members expected; every 6th (4 people) stays away; one approved leave among them.
    assert (counts.expected, counts.present, counts.on_leave) == (19, 15, 1)


def test_the_print_view_and_export_do_not_query_per_meeting(client, login, quarter, queries):
    login(quarter.secretary)
    paths = [f"/meetings/ledger/{quarter.branch.id}/print?period=2026-Q4",
             f"/meetings/ledger/{quarter.branch.id}/export.xlsx?period=2026-Q4"]

    def query_counts():
        found = []
        for path in paths:
            db.session.expire_all()                   # as in a fresh request
            with queries() as q:
                assert client.get(path).status_code == 200
            found.append(q.count)
        return found

    client.get(paths[0])                              # warm the kinds
    before = query_counts()
    for day in (2, 3, 4, 9, 10):                      # five more held meetings
        _held(quarter, quarter.branch, "theme_day", date(2026, 11, day))
    assert query_counts() == before
