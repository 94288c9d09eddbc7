"""应到 counted against the right people, through the real stack: each kind's circle, the
committee meeting nobody ordinary is absent from, 列席, standing exemptions, the group
leader's refusal, 补记 marks and bounds, private leave reasons, the ledger's plans."""
import io
from datetime import date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from partyapp import clock
from partyapp.extensions import db
from partyapp.meetings import services
from partyapp.meetings.models import (AttendanceExemption, AttendeePart, LeaveRequest,
                                      MakeUpStudy, Meeting, MeetingAttendee)
from partyapp.models import AuditEntry, Notification, PartyStatus, Role

from .factories import make_person
from .factories_meetings import make_meeting

# Tuesday 24 November 2026, 09:00 in China.
START = datetime(2026, 11, 24, 1, 0, tzinfo=clock.UTC)


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def cast(world, frozen):
    """The world plus the people the circles need: the rest of the committee, a probationary
    member, a collective-economy leader (not a party member) and the representatives."""
    frozen(START)
    people = {
        "organizer": make_person("组织委员", org=world.branch, roles=(Role.MEMBER, Role.ORGANIZER)),
        "publicity": make_person("宣传委员", org=world.branch,
                                 roles=(Role.MEMBER, Role.PUBLICITY)),
        "probationary": make_person("预备党员", org=world.group,
                                    status=PartyStatus.PROBATIONARY),
        "leader": make_person("合作社社长", org=world.branch, roles=(Role.COLLECTIVE_LEADER,),
                              status=None),
        "shareholder": make_person("股东代表", org=world.branch, roles=(Role.SHAREHOLDER_REP,),
                                   status=None),
        "migrant": make_person("务工代表", org=world.branch, roles=(Role.MIGRANT_REP,),
                               status=None),
        # a 两委成员 who is not a party member: in the 班子联席会议, never in a members' meeting
        "villager_committee": make_person("村委委员", org=world.branch, roles=(Role.COMMITTEE,),
                                          status=None, post="村委会委员"),
    }
    db.session.commit()
    world.people.update(people)
    return world


def plan_form(kind_ids, org, **extra):
    data = {"org_id": org.id, "kind_ids": kind_ids, "topic": "学习讨论", "day": "2026-11-26",
            "start": "09:00", "end": "11:00", "host_id": "0", "recorder_id": "0",
            "checkin_opens_minutes": "30", "late_after_minutes": "10"}
    data.update(extra)
    return data


def kind_ids(*codes):
    found = {k.code: k.id for k in services.active_kinds()}
    return [found[code] for code in codes]


def parts(meeting) -> dict[str, set[str]]:
    rows = db.session.execute(select(MeetingAttendee.part, MeetingAttendee.person_id)
                              .where(MeetingAttendee.meeting_id == meeting.id)).all()
    names = {p.id: key for key, p in _everyone().items()}
    found: dict[str, set[str]] = {}
    for part, pid in rows:
        found.setdefault(part, set()).add(names.get(pid, str(pid)))
    return found


_CAST = {}


def _everyone():
    return _CAST


MEMBERS = {"member", "group_leader", "recorder", "secretary", "organizer", "publicity",
           "probationary"}
COMMITTEE = {"secretary", "organizer", "publicity"}
CIRCLES = {
    "branch_assembly": MEMBERS,
    "party_lecture": MEMBERS,
    "theme_day": MEMBERS,
    "branch_committee": COMMITTEE,
    "group_meeting": {"member", "group_leader", "probationary"},
    "joint_leadership": COMMITTEE | {"leader", "villager_committee"},
    "party_mass_joint": MEMBERS | {"villager_rep", "shareholder", "migrant"},
    "villager_reps": {"villager_rep"},
}


@pytest.mark.parametrize("code", sorted(CIRCLES))
def test_each_kind_expects_its_own_circle(client, login, cast, code):
    _CAST.clear()
    _CAST.update(cast.people)
    login(cast.secretary)
    org = cast.group if code == "group_meeting" else cast.branch
    response = client.post("/meetings/plan", data=plan_form(kind_ids(code), org))
    assert response.status_code == 303
    meeting = db.session.scalar(select(Meeting))
    assert parts(meeting) == {"expected": CIRCLES[code]}
    page = text(client.get(f"/meetings/{meeting.id}"))
    assert f"应到 {len(CIRCLES[code])} ·" in page


def test_a_meeting_of_two_kinds_expects_both_circles(client, login, cast):
    _CAST.clear()
    _CAST.update(cast.people)
    login(cast.secretary)
    client.post("/meetings/plan", data=plan_form(kind_ids("branch_committee", "villager_reps"),
                                                 cast.branch))
    assert parts(db.session.scalar(select(Meeting))) == {"expected": COMMITTEE | {"villager_rep"}}


def test_a_group_meeting_must_be_held_by_a_group(client, login, cast):
    login(cast.secretary)
    page = text(client.post("/meetings/plan", data=plan_form(kind_ids("group_meeting"),
                                                             cast.branch)))
    assert "党小组会要由党小组召开" in page
    assert db.session.scalar(select(func.count(Meeting.id))) == 0


def test_no_ordinary_member_is_absent_from_a_committee_meeting(client, login, cast):
    """The recorder sits in (列席); ordinary members are not on the list: no 缺席, no 补学, no
    reminder, and their attendance figures do not move."""
    _CAST.clear()
    _CAST.update(cast.people)
    login(cast.secretary)
    client.post("/meetings/plan", data=plan_form(
        kind_ids("branch_committee"), cast.branch, day="2026-11-25", start="09:00", end="10:00",
        host_id=cast.secretary.id, recorder_id=cast.recorder.id))
    meeting = db.session.scalar(select(Meeting))
    assert parts(meeting) == {"expected": COMMITTEE, "observer": {"recorder"}}
    client.post(f"/meetings/{meeting.id}/publish")
    assert services.send_day_before_reminders() == 1
    reminded = set(db.session.scalars(select(Notification.person_id).where(
        Notification.title.like("明天开会%"))))
    assert reminded == {cast.secretary.id, cast.organizer.id, cast.publicity.id, cast.recorder.id}
    clock.move(timedelta(days=1))                       # 09:00 on the 25th: the meeting starts
    login(cast.recorder)
    client.post(f"/meetings/{meeting.id}/door/manual", data={"person_id": cast.secretary.id})
    client.post(f"/meetings/{meeting.id}/door/manual", data={"person_id": cast.recorder.id})
    clock.move(timedelta(hours=1, minutes=5))
    response = client.post(f"/meetings/{meeting.id}/close",
                           data={"minutes": "研究冬季防火工作，明确三项分工。"})
    assert response.status_code == 303
    owing = set(db.session.scalars(select(MakeUpStudy.person_id)))
    assert owing == {cast.organizer.id, cast.publicity.id}
    counts = services.meeting_counts([meeting.id])[meeting.id]
    assert (counts.expected, counts.present, counts.absent, counts.observers) == (3, 1, 2, 1)
    summary = services.attendance_summary([cast.member.id, cast.recorder.id],
                                          date(2026, 1, 1), date(2026, 12, 31))
    assert summary[cast.member.id].expected == 0 and summary[cast.recorder.id].expected == 0
    login(cast.secretary)
    page = text(client.get(f"/meetings/{meeting.id}"))
    assert "列席·已到" in page and "列席 1" in page


def test_a_guest_the_planner_adds_sits_in_and_is_never_absent(client, login, cast):
    login(cast.secretary)
    members = [cast.member.id, cast.secretary.id]
    client.post("/meetings/plan", data=plan_form(
        kind_ids("theme_day"), cast.branch, attendee_ids=members + [cast.villager_rep.id],
        host_id=cast.secretary.id, recorder_id=cast.secretary.id))
    meeting = db.session.scalar(select(Meeting))
    found = dict(db.session.execute(select(MeetingAttendee.person_id, MeetingAttendee.part)
                                    .where(MeetingAttendee.meeting_id == meeting.id)).all())
    assert found == {cast.member.id: "expected", cast.secretary.id: "expected",
                     cast.villager_rep.id: "observer"}
    clock.move(timedelta(days=2, hours=3))
    assert services.close_meeting(cast.secretary, meeting, "学习讨论，布置下月工作。") == []
    assert set(db.session.scalars(select(MakeUpStudy.person_id))) == {cast.member.id,
                                                                       cast.secretary.id}


# ---- exemptions ---------------------------------------------------------------------------------
def exempt(client, world, person, starts="2026-11-01", ends="2026-12-31", reason="长期卧床"):
    return client.post(f"/meetings/exemptions/{world.branch.id}", data={
        "person_id": person.id, "starts_on": starts, "ends_on": ends, "reason": reason})


def test_an_exempted_member_is_not_absent_gets_no_make_up_and_keeps_full_attendance(
        client, login, cast):
    from partyapp.ratings import scoring

    planned = make_meeting(cast.branch, starts_at=START + timedelta(days=2), host=cast.secretary,
                           recorder=cast.recorder)
    login(cast.secretary)
    response = exempt(client, cast, cast.member)
    assert response.status_code == 303
    row = db.session.scalar(select(AttendanceExemption))
    assert (row.person_id, row.approved_by_id) == (cast.member.id, cast.secretary.id)
    assert db.session.get(MeetingAttendee, (planned.id, cast.member.id)).part == "exempt"
    later = make_meeting(cast.branch, starts_at=START + timedelta(days=9), host=cast.secretary,
                         recorder=cast.recorder)
    assert db.session.get(MeetingAttendee, (later.id, cast.member.id)).part == "exempt"
    clock.move(timedelta(days=2, hours=3))
    services.close_meeting(cast.recorder, planned, "学习讨论，布置下月工作。")
    assert cast.member.id not in set(db.session.scalars(select(MakeUpStudy.person_id)))
    counts = services.meeting_counts([planned.id])[planned.id]
    assert counts.exempt == 1 and counts.expected == len(MEMBERS) - 1
    assert "免于参加" in text(client.get(f"/meetings/{planned.id}"))
    scoring.ensure_branch_rubric(cast.secretary, cast.branch, 2026)
    db.session.commit()
    _, scores = scoring.branch_scores(cast.branch, 2026)
    member = next(s for s in scores if s.person.id == cast.member.id)
    attendance = next(i for i in member.items if i.item.source == "attendance")
    assert attendance.points == attendance.item.max_points
    assert "免于参加会议 1 次" in attendance.detail
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "exemption.approve"))
    assert audit.actor_id == cast.secretary.id and "长期卧床" in audit.detail


def test_only_the_secretary_approves_an_exemption_and_odd_dates_are_refused(client, login, cast):
    login(cast.organizer)
    assert exempt(client, cast, cast.member).status_code == 403
    login(cast.secretary)
    for starts, ends, words in (("0001-01-01", "2026-12-31", "日期要在2025年1月1日"),
                                ("2026-11-01", "9999-12-31", "日期要在2025年1月1日"),
                                ("2026-12-31", "2026-11-01", "结束日期不能早于开始日期")):
        page = text(exempt(client, cast, cast.member, starts, ends))
        assert words in page
    assert "请选择本支部的党员" in text(exempt(client, cast, cast.villager_rep))
    assert "请选择本支部的党员" in text(exempt(client, cast, cast.other_member))
    assert db.session.scalar(select(func.count(AttendanceExemption.id))) == 0
    assert exempt(client, cast, cast.member).status_code == 303
    assert "已经批准过" in text(exempt(client, cast, cast.member, "2026-12-01", "2026-12-05"))


def test_ending_an_exemption_early_brings_the_member_back_on_meetings_to_come(client, login, cast):
    login(cast.secretary)
    exempt(client, cast, cast.member)
    coming = make_meeting(cast.branch, starts_at=START + timedelta(days=3))
    assert db.session.get(MeetingAttendee, (coming.id, cast.member.id)).part == "exempt"
    row = db.session.scalar(select(AttendanceExemption))
    assert client.post(f"/meetings/exemptions/end/{row.id}").status_code == 303
    db.session.expire_all()
    assert db.session.get(MeetingAttendee, (coming.id, cast.member.id)).part == "expected"
    assert row.ends_on == date(2026, 11, 23) and row.ended_early_at is not None


# ---- the group leader ------------------------------------------------------------------------------
def test_a_group_leader_is_refused_people_from_outside_the_group(client, login, cast):
    login(cast.group_leader)
    form = text(client.get("/meetings/plan"))
    assert cast.member.name in form and cast.recorder.name not in form
    outside = plan_form(kind_ids("group_meeting"), cast.group,
                        attendee_ids=[cast.member.id, cast.recorder.id])
    page = text(client.post("/meetings/plan", data=outside))
    assert f"{cast.recorder.name}不是本党小组的成员" in page
    assert db.session.scalar(select(func.count(Meeting.id))) == 0
    # the rule holds in the service too (a crafted plan that skips the form)
    plan = services.MeetingPlan(org=cast.group, kinds=[services.kind_by_code("group_meeting")],
                                topic="小组学习", starts_at=START + timedelta(days=2),
                                ends_at=START + timedelta(days=2, hours=1),
                                host_id=cast.secretary.id, recorder_id=cast.recorder.id,
                                attendee_ids=[cast.member.id, cast.other_member.id])
    problems = services.plan_problems(cast.group_leader, plan)
    assert any("乙村党员不是本党小组的成员" in p and "党小组长只能为自己的党小组" in p
               for p in problems)
    assert any(p.startswith("主持人要是本党小组的成员") for p in problems)
    assert any(p.startswith("记录人要是本党小组的成员") for p in problems)
    ok = plan_form(kind_ids("group_meeting"), cast.group, host_id=cast.group_leader.id,
                   attendee_ids=[cast.member.id, cast.group_leader.id])
    assert client.post("/meetings/plan", data=ok).status_code == 303


# ---- 补记 -------------------------------------------------------------------------------------
def test_a_meeting_entered_afterwards_is_marked_backfilled_everywhere(client, login, cast):
    login(cast.secretary)
    response = client.post("/meetings/plan", data=plan_form(
        kind_ids("theme_day"), cast.branch, day="2026-11-10", host_id=cast.secretary.id,
        recorder_id=cast.recorder.id))
    assert response.status_code == 303
    meeting = db.session.scalar(select(Meeting))
    assert meeting.backfilled
    assert "补记（2026年11月24日补录）" in text(client.get(f"/meetings/{meeting.id}"))
    client.post(f"/meetings/{meeting.id}/door/manual", data={"person_id": cast.member.id})
    came = services.attendee_rows(meeting.id)
    member = next(r for r in came if r.person.id == cast.member.id)
    assert member.check_in.at == meeting.starts_at and not member.check_in.late
    client.post(f"/meetings/{meeting.id}/close", data={"minutes": "会后补记：学习讨论，布置工作。"})
    ledger_page = text(client.get(f"/meetings/ledger/{cast.branch.id}?period=2026-11"))
    assert "补记（2026年11月24日补录）" in ledger_page
    compliance = text(client.get(f"/meetings/compliance/{cast.branch.id}?period=2026-11"))
    assert "补记（2026年11月24日补录）" in compliance
    book = load_workbook(io.BytesIO(client.get(
        f"/meetings/ledger/{cast.branch.id}/export.xlsx?period=2026-11").data))
    row = list(book["会议台账"].iter_rows(values_only=True))[1]
    assert row[14] == "补记（2026-11-24补录）" and row[15] == "会后补记：学习讨论，布置工作。"
    login(cast.town_admin)
    town = text(client.get(f"/town/{cast.town.id}/?section=meetings&quarter=2026-Q4"))
    assert "含补记1" in town


@pytest.mark.parametrize("day, words", [
    ("2024-12-31", "补记只能补录2025年1月1日以后"), ("0001-01-01", "补记只能补录2025年1月1日以后"),
    ("9999-12-31", "最远只能排到2027年12月31日"), ("2028-01-01", "最远只能排到2027年12月31日")])
def test_dates_outside_the_window_are_refused_with_a_message(client, login, cast, day, words):
    login(cast.secretary)
    response = client.post("/meetings/plan", data=plan_form(kind_ids("theme_day"), cast.branch,
                                                            day=day))
    assert response.status_code == 200 and words in text(response)
    assert db.session.scalar(select(func.count(Meeting.id))) == 0


def test_the_first_day_of_last_year_is_allowed_and_is_a_backfill(client, login, cast):
    login(cast.secretary)
    response = client.post("/meetings/plan", data=plan_form(kind_ids("theme_day"), cast.branch,
                                                            day="2025-01-01"))
    assert response.status_code == 303 and db.session.scalar(select(Meeting)).backfilled


def test_a_meeting_cannot_be_moved_into_the_past_or_out_of_bounds(client, login, cast):
    meeting = make_meeting(cast.branch, starts_at=START + timedelta(days=2))
    login(cast.secretary)
    for day, words in (("2026-11-01", "不能改到已经过去的时间"), ("0001-01-01", "补记只能补录"),
                       ("9999-12-31", "最远只能排到")):
        page = text(client.post(f"/meetings/{meeting.id}/edit",
                                data={"day": day, "start": "09:00", "end": "10:00"}))
        assert words in page
    db.session.expire_all()
    assert meeting.starts_at == START + timedelta(days=2)


# ---- leave reasons ----------------------------------------------------------------------------
def test_a_leave_reason_is_seen_only_by_the_member_and_those_who_decide_leave(
        client, login, cast):
    meeting = make_meeting(cast.branch, starts_at=START + timedelta(days=2),
                           kinds=("party_mass_joint",))
    login(cast.member)
    client.post(f"/meetings/{meeting.id}/leave", data={"leave_type": "sick", "reason": "住院治疗"})
    assert db.session.scalar(select(LeaveRequest.reason)) == "住院治疗"
    assert "病假：住院治疗" in text(client.get(f"/meetings/{meeting.id}"))
    for viewer in (cast.organizer, cast.secretary):       # they decide leave
        login(viewer)
        assert "病假：住院治疗" in text(client.get(f"/meetings/{meeting.id}"))
    for viewer in (cast.group_leader, cast.recorder, cast.villager_rep, cast.town_admin):
        login(viewer)
        page = text(client.get(f"/meetings/{meeting.id}"))
        assert "住院" not in page and "病假" not in page and "请假（待审批）" in page


# ---- the ledger's plans ---------------------------------------------------------------------------
def test_filed_plans_are_in_the_ledger_for_the_branch_and_the_town(client, login, cast):
    plan = make_meeting(cast.branch, starts_at=START + timedelta(days=3), status="planned",
                        topic="年终评星支委会", kinds=("branch_committee",))
    cancelled = make_meeting(cast.branch, starts_at=START + timedelta(days=4), status="cancelled",
                             topic="已取消的会")
    for viewer in (cast.secretary, cast.town_admin):
        login(viewer)
        page = text(client.get(f"/meetings/ledger/{cast.branch.id}?period=2026-11"))
        assert plan.topic in page and "计划报备" in page and cancelled.topic not in page
    book = load_workbook(io.BytesIO(client.get(
        f"/meetings/ledger/{cast.branch.id}/export.xlsx?period=2026-11").data))
    rows = list(book["计划报备"].iter_rows(values_only=True))
    assert rows[1][3] == "年终评星支委会" and rows[1][6] == "2026-11-24" and rows[1][7] == "计划中"


def test_the_town_sets_a_kinds_circle_for_meetings_planned_from_then_on(client, login, cast):
    _CAST.clear()
    _CAST.update(cast.people)
    kind = services.kind_by_code("villager_reps")
    before = make_meeting(cast.branch, kinds=("villager_reps",), starts_at=START + timedelta(days=2))
    login(cast.town_admin)
    assert "现在的应到人员：村民代表" in text(client.get("/meetings/kinds"))
    client.post(f"/meetings/kinds/{kind.id}", data={
        f"k{kind.id}-period": "", f"k{kind.id}-min_per_period": "0", f"k{kind.id}-active": "1",
        f"k{kind.id}-circle": "members_reps"})
    db.session.expire_all()
    assert kind.circle == "members_reps" and kind.includes_villager_reps
    after = make_meeting(cast.branch, kinds=("villager_reps",), starts_at=START + timedelta(days=3))
    assert parts(before) == {"expected": {"villager_rep"}}
    assert parts(after) == {"expected": MEMBERS | {"villager_rep", "shareholder", "migrant"}}
    client.post(f"/meetings/kinds/{kind.id}", data={    # an unknown circle keeps the old one
        f"k{kind.id}-period": "", f"k{kind.id}-min_per_period": "0", f"k{kind.id}-active": "1",
        f"k{kind.id}-circle": "everyone_in_town"})
    db.session.expire_all()
    assert kind.circle == "members_reps"


# ---- photos -----------------------------------------------------------------------------------
def test_a_meeting_carries_photos_cleaned_and_shown_only_inside(app, client, login, cast):
    from pathlib import Path

    from PIL import Image

    from partyapp.meetings.models import MeetingPhoto

    from .factories_disclosures import jpeg_bytes

    exif = Image.Exif()
    exif[0x010F] = "MARKER-CAMERA"
    meeting = make_meeting(cast.branch, starts_at=START - timedelta(minutes=5),
                           host=cast.secretary, recorder=cast.recorder)
    login(cast.member)
    assert client.post(f"/meetings/{meeting.id}/photos", data={
        "photo": (io.BytesIO(jpeg_bytes()), "a.jpg")},
        content_type="multipart/form-data").status_code == 403
    login(cast.recorder)
    response = client.post(f"/meetings/{meeting.id}/photos", data={
        "photo": (io.BytesIO(jpeg_bytes(exif=exif.tobytes())), "IMG_1.jpg")},
        content_type="multipart/form-data")
    assert response.status_code == 303
    refused = client.post(f"/meetings/{meeting.id}/photos", data={
        "photo": (io.BytesIO(b"<html>"), "x.jpg")}, content_type="multipart/form-data",
        follow_redirects=True)
    assert "照片无法识别" in text(refused)
    name = db.session.scalar(select(MeetingPhoto.name))
    stored = (Path(app.config["UPLOAD_FOLDER"]) / "meetings" / name).read_bytes()
    assert b"MARKER" not in stored
    assert f"/meetings/photos/{name}" in text(client.get(f"/meetings/{meeting.id}"))
    login(cast.member)
    served = client.get(f"/meetings/photos/{name}")
    assert served.status_code == 200 and served.get_data() == stored
    served.close()
    login(cast.other_branch_secretary)
    assert client.get(f"/meetings/photos/{name}").status_code == 403
    assert client.get("/meetings/photos/" + "0" * 32 + ".jpg").status_code == 404


def test_a_members_own_history_never_calls_sitting_in_or_an_exemption_absent(client, login,
                                                                              cast):
    committee = make_meeting(cast.branch, kinds=("branch_committee",), host=cast.secretary,
                             recorder=cast.recorder, starts_at=START - timedelta(days=3))
    theme = make_meeting(cast.branch, starts_at=START - timedelta(days=2), host=cast.secretary,
                         recorder=cast.secretary)
    db.session.execute(MeetingAttendee.__table__.update().where(
        MeetingAttendee.meeting_id == theme.id, MeetingAttendee.person_id == cast.recorder.id)
        .values(part=AttendeePart.EXEMPT))
    for meeting in (committee, theme):
        assert services.close_meeting(cast.secretary, meeting, "学习讨论，布置下月工作。") == []
    login(cast.recorder)
    page = text(client.get("/meetings/"))
    assert "列席（不计出勤）" in page and "免于参加" in page and "✗ 缺席" not in page


def test_the_demo_expects_the_right_people_at_every_kind(app_ctx, frozen):
    """What `make run` shows: each demo meeting's 应到 is its kind's circle, worked out here
    from the demo's people by hand (not by the circle code)."""
    from partyapp.demo import seed_demo

    frozen(START)
    ctx = seed_demo("pbkdf2:sha256:1000$x$y")
    members, reps, others = ctx.members["donghu"], ctx.reps["donghu"], ctx.others["donghu"]
    everyone = {p.id for p in members}
    committee = {members[i].id for i in (0, 1, 4, 5, 7)}       # 书记 组织 宣传 纪检 委员
    two_committees = committee | {members[2].id} | {p.id for p in others
                                                     if p.name in ("邓富贵",)} | {members[9].id}
    representatives = {p.id for p in reps} | {p.id for p in others if p.name != "邓富贵"}
    group = {p.id for i, p in enumerate(members) if i % 2 == 0} | {members[3].id}
    wanted = {"主题党日": everyone - {members[16].id}, "党课、主题党日": everyone,
              "支部委员会": committee, "党小组会": group, "党群联席会议": everyone | representatives,
              "村民代表会议": {p.id for p in reps}, "班子联席会议": two_committees,
              "支部党员大会": everyone, "组织生活会": everyone}
    meetings = db.session.scalars(select(Meeting).where(
        Meeting.branch_id == ctx.villages["donghu"].id)).all()
    assert {m.kind_names for m in meetings} == set(wanted)
    for meeting in meetings:
        expected = set(db.session.scalars(select(MeetingAttendee.person_id).where(
            MeetingAttendee.meeting_id == meeting.id,
            MeetingAttendee.part == AttendeePart.EXPECTED)))
        if meeting.kind_names == "主题党日" and meeting.status == "closed":
            assert expected == everyone, meeting.topic          # before the exemption began
        else:
            assert expected == wanted[meeting.kind_names], meeting.topic
    soon = next(m for m in meetings if m.status == "published")
    assert db.session.get(MeetingAttendee, (soon.id, members[16].id)).part == "exempt"
