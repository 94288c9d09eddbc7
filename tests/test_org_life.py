"""组织生活会: a yearly kind for every branch (all members); a branch that has not held one is
reminded from November, once; the town sees who has held theirs; the problems found (查摆问题)
go from the meeting's page into the branch's 整改清单."""
from datetime import datetime

from sqlalchemy import select

from partyapp import clock
from partyapp.extensions import db
from partyapp.meetings import services as meetings
from partyapp.meetings.models import ComplianceReminder, MeetingStatus
from partyapp.models import Notification
from partyapp.rectification.models import RectificationItem

from .factories_meetings import make_meeting


def _held_org_life(branch, host, when):
    return make_meeting(branch, kinds=("org_life",), starts_at=when, host=host, recorder=host,
                        topic="2026年度专题组织生活会", status=MeetingStatus.CLOSED)


def test_the_kind_is_yearly_for_all_members(app_ctx, world):
    kind = meetings.kind_by_code("org_life")
    assert (kind.name, kind.period, kind.min_per_period, kind.circle) == (
        "组织生活会", "year", 1, "members")
    assert kind.frequency_label == "每年"


def test_a_branch_without_one_is_reminded_from_november_once(app_ctx, world, frozen):
    _held_org_life(world.other_branch, world.other_branch_secretary,
                   datetime(2026, 3, 10, 1, 0, tzinfo=clock.UTC))
    frozen(datetime(2026, 10, 1, 1, 0, tzinfo=clock.UTC))          # October: not yet
    meetings.send_compliance_reminders()
    org_life = meetings.kind_by_code("org_life")
    yearly = select(ComplianceReminder.org_id).where(ComplianceReminder.kind_id == org_life.id)
    assert db.session.scalars(yearly).all() == []
    frozen(datetime(2026, 11, 2, 1, 0, tzinfo=clock.UTC))
    meetings.send_compliance_reminders()
    frozen(datetime(2026, 12, 1, 1, 0, tzinfo=clock.UTC))          # December: not again
    meetings.send_compliance_reminders()
    reminded = db.session.scalars(yearly).all()
    assert world.branch.id in reminded and len(reminded) == len(set(reminded))
    assert world.other_branch.id not in reminded                     # it held its own in March
    bodies = db.session.scalars(select(Notification.body).where(
        Notification.person_id == world.secretary.id)).all()
    assert sum("组织生活会（2026年）" in body for body in bodies) == 1
    assert not any("组织生活会" in body for body in db.session.scalars(select(
        Notification.body).where(Notification.person_id == world.other_branch_secretary.id)))


def test_the_town_sees_which_branches_held_theirs(app_ctx, world, frozen, client, login):
    _held_org_life(world.other_branch, world.other_branch_secretary,
                   datetime(2026, 3, 10, 1, 0, tzinfo=clock.UTC))
    frozen(datetime(2026, 11, 10, 2, 0, tzinfo=clock.UTC))
    login(world.town_admin)
    page = client.get(f"/town/{world.town.id}/?section=meetings").get_data(as_text=True)
    table = page.split('id="org-life-table"', 1)[1]
    assert "✗ 未开" in table.split(f'data-org="{world.branch.id}"', 1)[1].split("</tr>")[0]
    assert "✓ 已开1次" in table.split(f'data-org="{world.other_branch.id}"', 1)[1].split(
        "</tr>")[0]
    # The quarterly matrix is unchanged: the yearly kind is not a quarter's column.
    assert "组织生活会" not in page.split('id="org-life"', 1)[0].split('id="compliance"', 1)[-1]


def test_problems_found_at_the_meeting_become_items_of_the_list(app_ctx, world, frozen, client,
                                                                 login):
    frozen(datetime(2026, 11, 10, 2, 0, tzinfo=clock.UTC))
    meeting = _held_org_life(world.branch, world.secretary,
                             datetime(2026, 11, 9, 1, 0, tzinfo=clock.UTC))
    login(world.secretary)
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "查摆问题 → 整改清单（0）" in page and f"meeting={meeting.id}" in page
    form = client.get(f"/rectification/org/{world.branch.id}?meeting={meeting.id}")
    assert "2026年度专题组织生活会" in form.get_data(as_text=True)
    response = client.post(f"/rectification/org/{world.branch.id}?meeting={meeting.id}", data={
        "problem": "联系群众不够", "measures": "每名支委联系5户", "owner_id": world.member.id,
        "due_on": "2026-12-31"})
    assert response.status_code == 303
    item = db.session.scalar(select(RectificationItem))
    assert (item.source, item.source_ref, item.org_id) == ("org_life", meeting.id, world.branch.id)
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "查摆问题 → 整改清单（1）" in page and "联系群众不够" in page
    # A plain 主题党日 has no such block; another branch's meeting cannot be named.
    other = make_meeting(world.branch, kinds=("theme_day",), host=world.secretary)
    assert "查摆问题" not in client.get(f"/meetings/{other.id}").get_data(as_text=True)
    client.post(f"/rectification/org/{world.branch.id}?meeting={other.id}", data={
        "problem": "问题二", "measures": "措施二", "owner_id": world.member.id,
        "due_on": "2026-12-31"})
    second = db.session.scalar(select(RectificationItem).order_by(RectificationItem.id.desc()))
    assert second.source_ref is None
