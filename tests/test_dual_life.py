"""双重组织生活: a town leader who is a party member of a branch attends that branch's 组织生活
(组织生活会, 支部党员大会, 党小组会, 党课) at least twice a year as an ordinary member; counted
from check-ins, shown to the town, and a leader with one by November is reminded, once."""
from datetime import datetime

from sqlalchemy import select

from partyapp import clock
from partyapp.demo import add_role
from partyapp.extensions import db
from partyapp.meetings import services as meetings
from partyapp.meetings.models import CheckIn, MeetingStatus
from partyapp.models import Notification, Role

from .factories import make_person
from .factories_meetings import make_meeting

MARCH = datetime(2026, 3, 10, 1, 0, tzinfo=clock.UTC)


def _held(org, kinds, host, present, when=MARCH):
    meeting = make_meeting(org, kinds=kinds, starts_at=when, host=host, recorder=host,
                           status=MeetingStatus.CLOSED)
    db.session.add_all(CheckIn(meeting_id=meeting.id, person_id=p.id, at=when) for p in present)
    db.session.commit()
    return meeting


def _leaders(world):
    one = make_person("镇党委副书记", org=world.town, roles=(Role.TOWN_ADMIN,))
    add_role(one, world.group, Role.MEMBER)
    two = make_person("镇党委委员", org=world.town, roles=(Role.TOWN_ADMIN,))
    add_role(two, world.other_branch, Role.MEMBER)
    db.session.commit()
    return one, two


def test_a_leader_with_one_by_november_is_reminded_once(app_ctx, world, frozen):
    one, two = _leaders(world)
    _held(world.branch, ("branch_assembly",), world.secretary, [one])          # counts
    _held(world.branch, ("theme_day",), world.secretary, [one])                # 主题党日: no
    _held(world.other_branch, ("party_lecture",), world.other_branch_secretary, [one])  # not home
    _held(world.other_branch, ("org_life",), world.other_branch_secretary, [two])
    _held(world.group, ("group_meeting",), world.secretary, [two],
          when=datetime(2026, 6, 1, 1, 0, tzinfo=clock.UTC))                  # not two's branch
    _held(world.other_branch, ("branch_assembly",), world.other_branch_secretary, [two],
          when=datetime(2026, 9, 1, 1, 0, tzinfo=clock.UTC))
    counts = {row.person.id: row.attended for row in meetings.dual_life_counts(world.town, 2026)}
    assert counts == {one.id: 1, two.id: 2}
    frozen(datetime(2026, 10, 30, 2, 0, tzinfo=clock.UTC))
    assert meetings.send_dual_life_reminders() == 0                  # October: not yet
    frozen(datetime(2026, 11, 2, 2, 0, tzinfo=clock.UTC))
    assert meetings.send_dual_life_reminders() == 1
    assert meetings.send_dual_life_reminders() == 0
    frozen(datetime(2026, 12, 1, 2, 0, tzinfo=clock.UTC))
    assert meetings.send_dual_life_reminders() == 0
    told = db.session.execute(select(Notification.person_id, Notification.body).where(
        Notification.title.startswith("双重组织生活"))).all()
    assert [person for person, _ in told] == [one.id]
    assert "甲一村党支部的组织生活1次" in told[0][1]


def test_the_kinds_that_count_are_configurable(app, app_ctx, world):
    one, _ = _leaders(world)
    _held(world.branch, ("theme_day",), world.secretary, [one])
    saved = app.config["DUAL_LIFE_KINDS"]
    app.config["DUAL_LIFE_KINDS"] = ("theme_day",)
    try:
        counts = {r.person.id: r.attended for r in meetings.dual_life_counts(world.town, 2026)}
    finally:
        app.config["DUAL_LIFE_KINDS"] = saved
    assert counts[one.id] == 1


def test_the_town_sees_each_leaders_count(app_ctx, world, frozen, client, login):
    one, two = _leaders(world)
    _held(world.branch, ("branch_assembly",), world.secretary, [one])
    frozen(datetime(2026, 11, 10, 2, 0, tzinfo=clock.UTC))
    login(world.town_admin)
    page = client.get(f"/town/{world.town.id}/?section=meetings").get_data(as_text=True)
    table = page.split('id="dual-life-table"', 1)[1]
    assert "✗ 1次" in table.split(f'data-person="{one.id}"', 1)[1].split("</tr>")[0]
    assert "✗ 0次" in table.split(f'data-person="{two.id}"', 1)[1].split("</tr>")[0]
    login(world.other_town_admin)
    assert client.get(f"/town/{world.town.id}/?section=meetings").status_code in (403, 404)
