"""Training counted per person (004 §22 §25; 003 §21): the town plans its own 书记轮训 and checks
its participants in; external courses are entered as records; branch meetings of the kind
党员教育培训 count their length for each member present. A secretary without 轮训 by the year's
end is listed for the town and reminded once; members below 32 hours a year are counted."""
from datetime import date, datetime, timedelta
from io import BytesIO

from openpyxl import load_workbook
from sqlalchemy import func, select

from partyapp import clock
from partyapp.extensions import db
from partyapp.meetings.models import CheckIn
from partyapp.meetings.services import close_meeting
from partyapp.models import Notification
from partyapp.training import services
from partyapp.training.models import TrainingParticipant, TrainingRecord, TrainingSession

from .factories_meetings import make_meeting


def _at(day: date, hour=9):
    return datetime(day.year, day.month, day.day, hour, tzinfo=clock.CHINA)


def _plan(client, login, world, **data):
    login(world.town_admin)
    return client.post(f"/training/town/{world.town.id}/sessions",
                       data=dict({"kind": "rotation", "title": "2026年支部书记轮训班",
                                  "starts_on": "2026-06-10", "days": "1", "hours": "8",
                                  "place": "镇党校"}, **data))


def _messages(person):
    return list(db.session.scalars(select(Notification.title).where(
        Notification.person_id == person.id, Notification.kind == "training")))


def _rotation_with(client, login, world, present):
    assert _plan(client, login, world).status_code == 303
    session = db.session.scalar(select(TrainingSession))
    clock.move(_at(date(2026, 6, 10)) - clock.now())
    response = client.post(f"/training/sessions/{session.id}/checkin",
                           data={"person_id": [str(p.id) for p in present]})
    assert response.status_code == 303
    return session


def test_the_town_plans_a_rotation_for_every_secretary_and_checks_them_in(
        client, login, world, frozen):
    frozen(_at(date(2026, 6, 1)))
    session = _rotation_with(client, login, world, [world.secretary])
    listed = set(db.session.scalars(select(TrainingParticipant.person_id)))
    assert listed == {world.secretary.id, world.other_branch_secretary.id}   # not another town
    again = client.post(f"/training/sessions/{session.id}/checkin",
                        data={"person_id": [str(world.secretary.id)]}, follow_redirects=True)
    assert "已签到0人" in again.get_data(as_text=True)         # a second check-in: harmless
    page = client.get(f"/training/sessions/{session.id}").get_data(as_text=True)
    assert "已到 1 / 应到 2" in page


def test_a_secretary_without_rotation_by_the_years_end_is_listed_for_the_town(
        client, login, world, frozen):
    frozen(_at(date(2026, 6, 1)))
    _rotation_with(client, login, world, [world.secretary])
    clock.move(_at(date(2026, 12, 20)) - clock.now())
    page = client.get(f"/town/{world.town.id}/?section=training&period=2026-Q4") \
        .get_data(as_text=True)
    missing = page.split('id="training-missing"')[1].split("</ul>")[0]
    assert "书记乙" in missing and "甲二村党支部" in missing and "书记甲" not in missing
    book = load_workbook(BytesIO(client.get(
        f"/town/{world.town.id}/report.xlsx?period=2026-Q4").data))
    rows = [[c.value for c in row] for row in book["教育培训"].iter_rows()]
    assert ["甲二村党支部", "书记乙", 0] in rows
    assert not any(row[:2] == ["甲一村党支部", "书记甲"] for row in rows)
    town = client.get(f"/training/town/{world.town.id}").get_data(as_text=True)
    assert "书记乙" in town.split('id="missing-rotation"')[1].split("</ul>")[0]


def test_the_clock_tells_a_missing_secretary_and_the_town_once_from_december(
        client, login, world, frozen):
    frozen(_at(date(2026, 6, 1)))
    _rotation_with(client, login, world, [world.secretary])
    clock.move(_at(date(2026, 11, 30)) - clock.now())
    assert services.send_year_end_reminders() == 0
    clock.move(timedelta(days=1))
    assert services.send_year_end_reminders() == 2
    assert services.send_year_end_reminders() == 0          # a second run or clock: nothing
    assert _messages(world.other_branch_secretary) == ["2026年您还没有参加支部书记轮训"]
    assert _messages(world.town_admin) == ["1名支部书记2026年还没有轮训"]
    assert _messages(world.secretary) == [] and _messages(world.other_town_admin) == []
    clock.move(_at(date(2027, 12, 2)) - clock.now())          # a new year: both missing now
    assert services.send_year_end_reminders() == 3


def test_a_half_day_does_not_count_as_rotation_and_an_entered_course_does(
        client, login, world, frozen):
    frozen(_at(date(2026, 9, 1)))
    login(world.town_admin)
    url = f"/training/branch/{world.branch.id}/records"
    base = {"person_id": str(world.secretary.id), "title": "县委党校村书记专题班",
            "provider": "县委党校", "started_on": "2026-08-20", "hours": "4", "rotation": "y"}
    assert client.post(url, data=dict(base, days="0.5")).status_code == 303
    assert services.tallies([world.secretary.id], 2026)[world.secretary.id].rotation_done is False
    assert client.post(url, data=dict(base, days="1", hours="8")).status_code == 303
    tally = services.tallies([world.secretary.id], 2026)[world.secretary.id]
    assert tally.rotation_done and tally.hours == 12


def test_a_members_hours_add_up_from_meetings_courses_and_records(client, login, world, frozen):
    frozen(_at(date(2026, 3, 1)))
    start = _at(date(2026, 3, 10), 14)
    with clock.travel(start - timedelta(days=3)):
        meeting = make_meeting(world.branch, kinds=("training",), starts_at=start, minutes=180,
                               host=world.secretary, recorder=world.recorder,
                               topic="党员教育培训：乡村振兴政策")
    db.session.add(CheckIn(meeting_id=meeting.id, person_id=world.member.id, at=start))
    db.session.commit()
    with clock.travel(start + timedelta(hours=4)):
        assert close_meeting(world.recorder, meeting, "学习乡村振兴政策，交流体会。") == []
    _plan(client, login, world, kind="course", title="党员冬训", starts_on="2026-03-20",
          days="2", hours="12")
    session = db.session.scalar(select(TrainingSession))
    clock.move(_at(date(2026, 3, 20)) - clock.now())
    client.post(f"/training/sessions/{session.id}/checkin",
                data={"person_id": [str(world.member.id)]})
    login(world.secretary)
    response = client.post(f"/training/branch/{world.branch.id}/records",
                           data={"person_id": str(world.member.id), "title": "网络党校专题",
                                 "started_on": "2026-03-15", "days": "2", "hours": "16"})
    assert response.status_code == 303
    tally = services.tallies([world.member.id], 2026)[world.member.id]
    assert tally.hours == 31 and not tally.rotation_done          # 3 + 12 + 16
    page = client.get(f"/training/branch/{world.branch.id}").get_data(as_text=True)
    assert "差1学时" in page
    login(world.member)
    mine = client.get("/training/mine").get_data(as_text=True)
    assert "<strong>31</strong> 学时" in mine and "党员教育培训：乡村振兴政策" in mine
    assert "还差 1 学时" in mine
    assert services.tallies([world.member.id], 2027)[world.member.id].hours == 0


def test_only_the_town_plans_and_checks_in_and_bad_input_is_refused_in_chinese(
        client, login, world, frozen):
    frozen(_at(date(2026, 6, 1)))
    login(world.secretary)
    assert client.post(f"/training/town/{world.town.id}/sessions", data={}).status_code == 403
    cases = [({"title": ""}, "请填写培训名称"), ({"days": "0"}, "天数请填0.5到60"),
             ({"hours": "1000"}, "学时请填0.5到500"), ({"starts_on": "2030-01-01"}, "日期只能在"),
             ({"days": "abc"}, "请填写数字"), ({"kind": "party"}, "请从列表中选择")]
    for data, message in cases:
        response = _plan(client, login, world, **data)
        assert response.status_code == 200 and message in response.get_data(as_text=True), data
    assert db.session.scalar(select(func.count(TrainingSession.id))) == 0
    session = _plan(client, login, world, starts_on="2026-06-10")
    found = db.session.scalar(select(TrainingSession))
    early = client.post(f"/training/sessions/{found.id}/checkin",
                        data={"person_id": [str(world.secretary.id)]})
    assert "培训还没开始" in early.get_data(as_text=True) and session.status_code == 303
    login(world.other_town_admin)
    assert client.get(f"/training/sessions/{found.id}").status_code == 403
    login(world.secretary)
    bad = client.post(f"/training/branch/{world.branch.id}/records",
                      data={"person_id": str(world.other_member.id), "title": "x",
                            "started_on": "2026-05-01", "days": "1", "hours": "4"})
    assert bad.status_code == 200 and db.session.scalar(select(func.count(TrainingRecord.id))) == 0


def test_demo_training_leaves_one_secretary_missing(app_ctx, frozen, client, login):
    from werkzeug.security import generate_password_hash

    from partyapp.demo import seed_demo

    frozen(_at(date(2026, 11, 20)))
    ctx = seed_demo(generate_password_hash("demo1234", method="pbkdf2:sha256:1000"))
    figures = services.town_training(ctx.town, 2026)
    assert [row.branch.name for row in figures.missing_rotation] == ["西岭村党支部"]
    login(ctx.people["13900000000"])
    page = client.get(f"/town/{ctx.town.id}/?section=training").get_data(as_text=True)
    assert "西岭村党支部" in page.split('id="training-missing"')[1].split("</ul>")[0]
