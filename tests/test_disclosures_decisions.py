"""决策过程公开: a decision walks 四议两公开 (or Dongguan's 党群联席会议) in order, and the vote
rules are checked — including the 应到 denominator of the party members' meeting."""
from datetime import date, timedelta

import pytest

from partyapp.disclosures import decisions as service
from partyapp.disclosures.decisions import StepError, StepInput
from partyapp.disclosures.models import DecisionStatus
from partyapp import clock
from partyapp.extensions import db
from partyapp.models import AuditEntry, PartyStatus, Role

from .factories import make_person
from .factories_disclosures import make_decision

DAY = date(2026, 11, 2)


def step(decision, position, **counts):
    return service.record_step(decision_actor(decision), decision, position,
                               StepInput(held_on=DAY, **counts))


def decision_actor(decision):
    from partyapp.models import Person

    return db.session.get(Person, decision.created_by_id)


def through_step_two(world, **kwargs):
    decision = make_decision(world.branch, world.secretary, **kwargs)
    step(decision, 1)
    step(decision, 2)
    return decision


def test_steps_go_in_order_and_none_is_skipped(world):
    decision = make_decision(world.branch, world.secretary)
    with pytest.raises(StepError, match="下一步是“党组织提议”"):
        step(decision, 2)
    step(decision, 1)
    with pytest.raises(StepError, match="下一步是“两委会商议”"):
        step(decision, 3, expected=30, present=20, votes_for=20, votes_against=0, votes_abstain=0)
    assert decision.next_position == 2


def test_members_meeting_passes_on_more_than_half_of_those_expected_not_present(world):
    decision = through_step_two(world)
    # 30 expected, 16 present (a quorum), 15 for: a majority of those present, but not of the
    # 30 full members expected — it fails and goes back to the two committees.
    record = step(decision, 3, expected=30, present=16, votes_for=15, votes_against=1,
                  votes_abstain=0)
    assert record.passed is False
    assert record.outcome == "赞成15票，未超过半数（应到30人），未通过"
    assert decision.status == DecisionStatus.IN_PROGRESS
    assert decision.next_position == 2
    step(decision, 2)
    record = step(decision, 3, expected=30, present=16, votes_for=16, votes_against=0,
                  votes_abstain=0)
    assert record.passed is True
    assert decision.next_position == 4


def test_members_meeting_needs_more_than_half_present(world):
    decision = through_step_two(world)
    record = step(decision, 3, expected=30, present=15, votes_for=15, votes_against=0,
                  votes_abstain=0)
    assert record.passed is False
    assert record.outcome == "到会15人，未超过半数（应到30人），会议无效"
    assert decision.next_position == 2


def reps_stage(world):
    decision = through_step_two(world)
    step(decision, 3, expected=30, present=20, votes_for=18, votes_against=1, votes_abstain=1)
    return decision


def test_villager_reps_meeting_needs_two_thirds_present(world):
    decision = reps_stage(world)
    record = step(decision, 4, expected=12, present=7, votes_for=7, votes_against=0,
                  votes_abstain=0)
    assert record.passed is False
    assert record.outcome == "到会7人，未达到三分之二（应到12人），会议无效"
    assert decision.status == DecisionStatus.ENDED


def test_villager_reps_meeting_passes_on_more_than_half_of_those_present(world):
    decision = reps_stage(world)
    record = step(decision, 4, expected=12, present=8, votes_for=5, votes_against=3,
                  votes_abstain=0)
    assert record.passed is True
    assert decision.next_position == 5


def test_a_tie_among_villager_reps_ends_the_decision(world):
    decision = reps_stage(world)
    record = step(decision, 4, expected=12, present=8, votes_for=4, votes_against=4,
                  votes_abstain=0)
    assert record.passed is False
    assert decision.status == DecisionStatus.ENDED
    with pytest.raises(StepError, match="已经结束"):
        step(decision, 5)


def test_all_six_steps_finish_the_decision(world):
    decision = reps_stage(world)
    step(decision, 4, expected=12, present=10, votes_for=9, votes_against=1, votes_abstain=0)
    step(decision, 5)
    step(decision, 6)
    assert decision.status == DecisionStatus.DONE
    assert [r.name for r in decision.records] == [
        "党组织提议", "两委会商议", "党员大会审议", "村民代表会议决议", "决议公开", "实施结果公开"]


def test_dongguan_procedure_is_the_same_code_with_other_data(world):
    decision = make_decision(world.branch, world.secretary, procedure="dangqun_lianxi")
    assert [s.name for s in decision.procedure.steps] == [
        "党工委书记提议", "班子商议", "会议审议", "集体决议", "书面公开", "实施结果公开"]
    step(decision, 1)
    step(decision, 2)
    step(decision, 3, expected=40, present=25)
    failed = step(decision, 4, expected=40, present=25, votes_for=12, votes_against=10,
                  votes_abstain=3)
    assert failed.outcome == "赞成12票，未超过半数（实到25人），未通过"
    assert decision.status == DecisionStatus.ENDED


def test_votes_and_counts_are_checked(world):
    decision = through_step_two(world)
    with pytest.raises(StepError, match="应到和实到"):
        step(decision, 3, votes_for=1, votes_against=0, votes_abstain=0)
    with pytest.raises(StepError, match="实到人数不能多于应到"):
        step(decision, 3, expected=10, present=11, votes_for=1, votes_against=0, votes_abstain=0)
    with pytest.raises(StepError, match="票数合计"):
        step(decision, 3, expected=10, present=8, votes_for=6, votes_against=3, votes_abstain=0)


def test_linked_members_meeting_counts_full_members_from_its_check_ins(world):
    """The party members' meeting step takes 应到/实到 from the linked meeting's records,
    counting full members only: 4 full + 1 probationary expected (the villager rep invited too
    sits in, 列席, outside the members' circle), 3 full + the probationary member checked in
    -> 4 expected, 3 present."""
    from partyapp.meetings.checkin import check_in

    from .factories_meetings import make_meeting

    probationary = make_person("预备党员丙", org=world.group, status=PartyStatus.PROBATIONARY)
    attendees = [world.member, world.group_leader, world.recorder, world.secretary,
                 probationary, world.villager_rep]
    from partyapp.meetings.models import MeetingStatus

    meeting = make_meeting(world.branch, kinds=("branch_assembly",), host=world.secretary,
                           recorder=world.recorder, attendee_ids=[p.id for p in attendees],
                           starts_at=clock.now() - timedelta(minutes=5))
    for person in (world.member, world.recorder, world.secretary, probationary):
        check_in(meeting, person.id)
    meeting.status = MeetingStatus.CLOSED   # held: a step links only a held meeting
    db.session.commit()
    assert service.meeting_attendance(meeting.id) == (5, 4)
    assert service.meeting_attendance(meeting.id, full_members_only=True) == (4, 3)
    assert service.meeting_attendance(meeting.id + 999) is None
    decision = through_step_two(world)
    record = service.record_step(world.secretary, decision, 3, StepInput(
        held_on=clock.today(), meeting_id=meeting.id, expected=30, present=30, votes_for=3,
        votes_against=0, votes_abstain=0))
    assert (record.expected, record.present, record.passed) == (4, 3, True)


def test_a_meeting_of_another_branch_cannot_be_linked(world):
    from .factories_meetings import make_meeting

    other = make_meeting(world.other_branch, kinds=("branch_assembly",))
    decision = through_step_two(world)
    with pytest.raises(StepError, match="只能关联本支部的会议"):
        step(decision, 3, meeting_id=other.id, expected=10, present=10, votes_for=6,
             votes_against=0, votes_abstain=0)
    with pytest.raises(StepError, match="只能关联本支部的会议"):
        step(decision, 3, meeting_id=other.id + 999, expected=10, present=10, votes_for=6,
             votes_against=0, votes_abstain=0)


def test_expected_members_are_the_full_members_only(world):
    make_person("预备党员甲", org=world.group, status=PartyStatus.PROBATIONARY)
    make_person("代表乙", org=world.branch, roles=(Role.VILLAGER_REP,), status=None,
                villager_rep=True)
    # Full members of A1: member, group_leader, recorder, secretary (4); reps: 代表甲, 代表乙.
    assert service.roster_counts(world.branch.id) == {"full_members": 4, "reps": 2}


def test_secretary_records_a_failed_vote_over_http_and_it_is_visible(world, client, login):
    decision = through_step_two(world)
    db.session.commit()
    login(world.secretary)
    response = client.post(f"/disclosures/d/{decision.id}/step", data={
        "position": "3", "held_on": "2026-11-05", "expected": "30", "present": "16",
        "votes_for": "15", "votes_against": "1", "votes_abstain": "0",
        "public_text": "党员大会审议文化广场方案", "minutes": "内部讨论"})
    assert response.status_code == 303
    page = client.get(f"/disclosures/d/{decision.id}").get_data(as_text=True)
    assert "✗ 未通过" in page and "赞成15票，未超过半数（应到30人），未通过" in page
    public = client.get("/v/jia1/decisions").get_data(as_text=True)
    assert "✗ 未通过" in public and "已退回重新商议" in public
    audit = db.session.query(AuditEntry).filter_by(action="decision.step").order_by(AuditEntry.id).all()
    assert len(audit) == 3 and '"passed": false' in audit[-1].detail


def test_step_out_of_order_over_http_rerenders_with_a_chinese_message(world, client, login):
    decision = make_decision(world.branch, world.secretary)
    db.session.commit()
    login(world.secretary)
    response = client.post(f"/disclosures/d/{decision.id}/step",
                           data={"position": "4", "held_on": "2026-11-05"})
    assert response.status_code == 200
    assert "必须按顺序进行：下一步是“党组织提议”" in response.get_data(as_text=True)


def test_bad_numbers_rerender_without_a_stack_trace(world, client, login):
    decision = through_step_two(world)
    db.session.commit()
    login(world.secretary)
    response = client.post(f"/disclosures/d/{decision.id}/step", data={
        "position": "3", "held_on": "yesterday", "expected": "-3", "present": "x"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "请选择日期" in page and "请填写整数" in page and "Not a valid" not in page


def test_secretary_of_another_branch_cannot_record_steps(world, client, login):
    decision = make_decision(world.branch, world.secretary)
    db.session.commit()
    login(world.other_branch_secretary)
    response = client.post(f"/disclosures/d/{decision.id}/step",
                           data={"position": "1", "held_on": "2026-11-05"})
    assert response.status_code == 403
    assert decision.next_position == 1
