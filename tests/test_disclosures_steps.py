"""四议两公开 steps keep their order: dated in order and never in the future; a step held at a
meeting links only a held meeting of the right kind on or before the step's date
(党员大会审议 → 支部党员大会, 村民代表会议决议 → a meeting with villager representatives).
Each refusal says why, on the page, and records nothing."""
from datetime import datetime

from sqlalchemy import func, select

from partyapp import clock
from partyapp.disclosures.models import Decision, DecisionStep
from partyapp.extensions import db
from partyapp.meetings.checkin import check_in
from partyapp.meetings.models import MeetingStatus

from .factories_disclosures import make_decision
from .factories_meetings import make_meeting


def china(y, m, d, hh=10):
    return datetime(y, m, d, hh, tzinfo=clock.CHINA).astimezone(clock.UTC)


def meeting(world, kind, day, *, status=MeetingStatus.CLOSED, present=()):
    held = make_meeting(world.branch, kinds=(kind,), starts_at=china(2026, 11, day, 19),
                        topic=f"{kind}-{day}")
    for person in present:
        check_in(held, person.id, enforce_window=False)
    held.status = status
    db.session.commit()
    return held


def post_step(client, decision, position, held_on, linked=None, **counts):
    data = {"position": str(position), "held_on": held_on, "public_text": "记录",
            "meeting_id": str(linked.id if linked else 0)}
    data.update({k: str(v) for k, v in counts.items()})
    return client.post(f"/disclosures/d/{decision.id}/step", data=data)


def refused(response, message):
    body = response.get_data(as_text=True)
    return response.status_code == 200 and message in body


def steps_recorded():
    return db.session.scalar(select(func.count()).select_from(DecisionStep))


VOTES = dict(votes_for=3, votes_against=0, votes_abstain=0)


def test_steps_are_dated_in_order_and_never_in_the_future(world, client, login, frozen):
    frozen(china(2026, 11, 20))
    decision = make_decision(world.branch, world.secretary)
    db.session.commit()
    login(world.secretary)
    assert refused(post_step(client, decision, 1, "2026-11-21"), "日期不能晚于今天")
    assert post_step(client, decision, 1, "2026-11-03").status_code == 303
    assert refused(post_step(client, decision, 2, "2026-11-02"),
                   "日期不能早于上一步“党组织提议”的日期（2026-11-03）")
    assert steps_recorded() == 1
    assert post_step(client, decision, 2, "2026-11-03").status_code == 303   # same day is fine


def test_the_members_meeting_step_links_only_a_held_branch_assembly_before_it(
        world, client, login, frozen):
    frozen(china(2026, 11, 20))
    voters = (world.member, world.group_leader, world.secretary)
    theme_day = meeting(world, "theme_day", 12, present=voters)
    assembly = meeting(world, "branch_assembly", 10, present=voters)
    not_closed = meeting(world, "branch_assembly", 18, status=MeetingStatus.PUBLISHED)
    coming = meeting(world, "branch_assembly", 25, status=MeetingStatus.PUBLISHED)
    # a 村民代表会议 expects the villager representatives only (its circle)
    reps = meeting(world, "villager_reps", 15, present=(world.villager_rep,))
    decision = make_decision(world.branch, world.secretary)
    db.session.commit()
    login(world.secretary)
    post_step(client, decision, 1, "2026-11-01")
    post_step(client, decision, 2, "2026-11-05")
    cases = [
        (theme_day, "2026-11-12", "“党员大会审议”要关联支部党员大会；所选会议是主题党日，不能关联"),
        (coming, "2026-11-20", "所选会议定在2026-11-25，还没有召开，不能关联"),
        (not_closed, "2026-11-18", "所选会议（2026-11-18）还没有结束记录"),
        (assembly, "2026-11-08", "所选会议在2026-11-10召开，晚于这一步的日期（2026-11-08）"),
    ]
    for linked, day, message in cases:
        response = post_step(client, decision, 3, day, linked, expected=4, present=4, **VOTES)
        assert refused(response, message), message
    assert steps_recorded() == 2
    assert post_step(client, decision, 3, "2026-11-10", assembly, **VOTES).status_code == 303
    record = db.session.scalars(select(DecisionStep).order_by(DecisionStep.id.desc())).first()
    assert (record.name, record.expected, record.present, record.passed) == (
        "党员大会审议", 4, 3, True)

    # The villagers' resolution needs a meeting that includes villager representatives.
    response = post_step(client, decision, 4, "2026-11-15", assembly, **VOTES)
    assert refused(response, "“村民代表会议决议”要关联有村民代表参加的会议"
                             "（党群联席会议、村民代表会议）；所选会议是支部党员大会")
    assert post_step(client, decision, 4, "2026-11-15", reps, votes_for=1, votes_against=0,
                     votes_abstain=0).status_code == 303
    db.session.expire_all()
    assert db.session.get(Decision, decision.id).next_position == 5


def test_the_step_form_names_each_meetings_kind(world, client, login, frozen):
    frozen(china(2026, 11, 20))
    meeting(world, "theme_day", 12)
    decision = make_decision(world.branch, world.secretary)
    db.session.commit()
    login(world.secretary)
    post_step(client, decision, 1, "2026-11-01")
    post_step(client, decision, 2, "2026-11-05")
    page = client.get(f"/disclosures/d/{decision.id}").get_data(as_text=True)
    assert "2026-11-12 主题党日 · theme_day-12" in page
