"""Hand-over: when a person stops holding a role (换届, transfer, deactivation), open opinions
move to the new holder with a note in their history, reminders follow them, and every right
granted through an object (assignee, host, recorder) ends when the person leaves the branch;
a transferred member leaves the old branch's future meetings and joins the new branch's."""
from datetime import datetime, timedelta

from sqlalchemy import select

from partyapp import authz, clock
from partyapp.extensions import db
from partyapp.meetings.models import Meeting, MeetingAttendee
from partyapp.models import Notification, Role
from partyapp.opinions import jobs
from partyapp.opinions.models import Opinion
from partyapp.opinions.services import assign_opinion

from .factories import make_person
from .factories_meetings import make_meeting
from .factories_opinions import make_opinion

REMINDER = "1条群众意见明天前要答复"


def china(y, m, d, hh=10, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=clock.CHINA).astimezone(clock.UTC)


def titles(person):
    return db.session.scalars(select(Notification.title).where(
        Notification.person_id == person.id).order_by(Notification.id)).all()


def _opinion(opinion_id) -> Opinion:
    db.session.expire_all()
    return db.session.get(Opinion, opinion_id)


def _attendees(meeting):
    return set(db.session.scalars(select(MeetingAttendee.person_id).where(
        MeetingAttendee.meeting_id == meeting.id)))


def test_after_term_change_the_new_secretary_holds_the_open_opinions_and_their_reminders(
        client, login, world, frozen):
    opinion, _ = make_opinion(world.branch, at=china(2026, 10, 12))       # due Mon 19 Oct
    assert opinion.assignee_id == world.secretary.id
    frozen(china(2026, 10, 16, 7))                                        # one working day left
    assert jobs.sweep()["reminded"] == 1
    assert titles(world.secretary).count(REMINDER) == 1
    clock.move(timedelta(hours=2))
    new_secretary = make_person("钱新书记", org=world.group)
    db.session.commit()
    login(world.town_admin)
    response = client.post(f"/org/town/{world.town.id}/orgs/{world.branch.id}/term",
                           data={"on": "2026-10-16", "secretary": str(new_secretary.id)})
    assert response.status_code == 303
    assert _opinion(opinion.id).assignee_id == new_secretary.id
    assert "交接：1条群众意见转由您办理" in titles(new_secretary)

    # The reminder is due again, now to the new holder only.
    assert jobs.sweep()["reminded"] == 1
    assert titles(new_secretary).count(REMINDER) == 1
    assert titles(world.secretary).count(REMINDER) == 1

    # The former secretary (a plain member now) has no reply form, no to-do and no reply.
    login(world.secretary)
    assert client.get(f"/opinions/{opinion.id}").status_code == 403
    assert client.post(f"/opinions/{opinion.id}/reply",
                       data={"text": "已经修好了", "visibility": "public"}).status_code == 403
    assert "答复群众意见" not in client.get("/").get_data(as_text=True)

    login(new_secretary)
    page = client.get(f"/opinions/{opinion.id}").get_data(as_text=True)
    assert "提交答复" in page and "办理人：钱新书记" in page
    assert "交接：换届：书记甲不再办理，转交钱新书记" in page
    assert "答复群众意见" in client.get("/").get_data(as_text=True)


def test_a_transferred_member_loses_every_right_granted_through_an_object(
        client, login, world, frozen):
    frozen(china(2026, 10, 12, 9))
    opinion, _ = make_opinion(world.branch)
    assign_opinion(world.secretary, opinion, world.member.id)
    running = make_meeting(world.branch, starts_at=clock.now() - timedelta(minutes=20),
                           recorder=world.member)                        # under way now
    coming = make_meeting(world.branch, starts_at=clock.now() + timedelta(days=3),
                          host=world.member, recorder=world.member)
    elsewhere = make_meeting(world.other_branch, starts_at=clock.now() + timedelta(days=4))
    held_there_before = make_meeting(world.other_branch,
                                     starts_at=clock.now() - timedelta(days=4))
    assert world.member.id in _attendees(coming)
    login(world.member)
    assert "提交答复" in client.get(f"/opinions/{opinion.id}").get_data(as_text=True)
    assert client.get(f"/meetings/{running.id}/door").status_code == 200

    login(world.town_admin)
    response = client.post(f"/org/town/{world.town.id}/people/{world.member.id}/transfer",
                           data={"target": str(world.other_branch.id), "on": "2026-10-12"})
    assert response.status_code == 303

    login(world.member)
    assert client.get(f"/opinions/{opinion.id}").status_code == 403
    assert client.post(f"/opinions/{opinion.id}/reply",
                       data={"text": "我来答复", "visibility": "public"}).status_code == 403
    assert client.get(f"/meetings/{running.id}/door").status_code == 403
    assert client.get(f"/meetings/{coming.id}/screen").status_code == 403
    db.session.expire_all()
    assert _opinion(opinion.id).assignee_id == world.secretary.id
    assert not authz.can(world.member, "meeting.run", world.branch, extra_roles=[Role.RECORDER])
    # Old branch: out of the meeting to come, no longer its host or recorder; the meeting
    # under way keeps its record. New branch: expected at the meeting to come only.
    coming = db.session.get(Meeting, coming.id)
    assert world.member.id not in _attendees(coming)
    assert (coming.host_id, coming.recorder_id) == (None, None)
    assert world.member.id in _attendees(running)
    assert world.member.id in _attendees(elsewhere)
    assert world.member.id not in _attendees(held_there_before)
    login(world.secretary)
    page = client.get(f"/opinions/{opinion.id}").get_data(as_text=True)
    assert "交接：组织关系转接：普通党员不再办理，转交书记甲" in page
    trail = client.get(f"/org/{world.branch.id}/audit").get_data(as_text=True)
    assert "意见交接" in trail and "组织关系转接：退出1场未开的会议" in trail


def test_deactivation_hands_the_open_opinions_to_the_secretary(client, login, world, frozen):
    frozen(china(2026, 10, 12, 9))
    opinion, _ = make_opinion(world.branch)
    assign_opinion(world.secretary, opinion, world.recorder.id)
    login(world.secretary)
    response = client.post(f"/org/{world.branch.id}/people/{world.recorder.id}/deactivate")
    assert response.status_code == 303
    assert _opinion(opinion.id).assignee_id == world.secretary.id
    assert "交接：停用：记录员不再办理，转交书记甲" in client.get(
        f"/opinions/{opinion.id}").get_data(as_text=True)


def test_work_moves_only_with_the_role_it_was_held_by(client, login, world, frozen):
    """换届: the former secretary stays in the two committees but passes the secretary's
    opinions on; a committee member re-elected keeps the one forwarded to him."""
    frozen(china(2026, 10, 12, 9))
    committee_member = make_person("两委委员", org=world.branch,
                                   roles=(Role.MEMBER, Role.COMMITTEE), post="村委会委员")
    db.session.commit()
    kept_by_secretary, _ = make_opinion(world.branch, content="村口路灯坏了很久。")
    forwarded, _ = make_opinion(world.branch, content="水渠堵塞需要清理。")
    assign_opinion(world.secretary, forwarded, committee_member.id)
    new_secretary = make_person("钱新书记", org=world.group)
    db.session.commit()
    login(world.town_admin)
    response = client.post(f"/org/town/{world.town.id}/orgs/{world.branch.id}/term", data={
        "on": "2026-10-12", "secretary": str(new_secretary.id),
        "committee_person_1": str(world.secretary.id), "committee_post_1": "村委会委员",
        "committee_person_2": str(committee_member.id), "committee_post_2": "村委会主任"})
    assert response.status_code == 303
    assert _opinion(kept_by_secretary.id).assignee_id == new_secretary.id
    assert _opinion(forwarded.id).assignee_id == committee_member.id
