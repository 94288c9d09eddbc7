"""一季一评议: members and villager representatives rate each commitment once per round; only
totals are published, and only after the round is closed."""
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from partyapp.disclosures import reviews as service
from partyapp.ballots.models import BallotRound, BallotVoter, SealedBallot
from partyapp.disclosures.models import ReviewRound
from partyapp.extensions import db
from partyapp.models import AuditEntry

from .factories_disclosures import make_commitment, make_round


def votes():
    """Ballots held or counted, whoever cast them."""
    held = db.session.scalar(select(func.count()).select_from(SealedBallot))
    counted = db.session.scalar(select(func.sum(BallotRound.ballots))) or 0
    return held + counted


def test_one_ballot_per_person_per_round(world, client, login):
    commitment = make_commitment(world.branch, world.secretary)
    other = make_commitment(world.branch, world.member, title="建卫生站")
    review = make_round(world.branch)
    db.session.commit()
    login(world.villager_rep)   # a representative who is not a party member
    url = f"/disclosures/r/{review.id}/vote"
    first = client.post(url, data={f"rating-{commitment.id}": "good"})
    assert first.status_code == 303
    assert "您已提交本轮评议" in client.get(f"/disclosures/r/{review.id}").get_data(as_text=True)
    again = client.post(url, data={f"rating-{other.id}": "poor"})
    assert again.status_code == 200
    assert "每人每轮只能评一次" in again.get_data(as_text=True)
    assert votes() == 1
    assert db.session.scalars(select(BallotVoter.voter_id)).all() == [world.villager_rep.id]


def test_the_database_refuses_a_second_ballot_too(world):
    review = make_round(world.branch)
    box = service.ballot_round_of(review)
    db.session.add(BallotVoter(round_id=box.id, voter_id=world.member.id))
    db.session.flush()
    db.session.add(BallotVoter(round_id=box.id, voter_id=world.member.id))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_a_new_round_takes_new_votes(world):
    commitment = make_commitment(world.branch, world.secretary)
    q3 = make_round(world.branch, quarter=3)
    q4 = make_round(world.branch, quarter=4)
    service.cast_votes(world.member, q3, {commitment.id: "average"})
    service.close_round(world.secretary, q3)
    service.cast_votes(world.member, q4, {commitment.id: "good"})
    assert votes() == 2


def test_with_fewer_than_three_ballots_no_totals_are_shown(world):
    commitment = make_commitment(world.branch, world.secretary)
    review = make_round(world.branch)
    service.cast_votes(world.member, review, {commitment.id: "average"})
    service.cast_votes(world.recorder, review, {commitment.id: "good"})
    service.close_round(world.secretary, review)
    assert service.aggregates([review.id]) == {}


def test_other_branches_commitments_and_bad_ratings_are_refused(world):
    review = make_round(world.branch)
    elsewhere = make_commitment(world.other_branch, world.other_member)
    mine = make_commitment(world.branch, world.secretary)
    with pytest.raises(service.ReviewError):
        service.cast_votes(world.member, review, {elsewhere.id: "good"})
    with pytest.raises(service.ReviewError):
        service.cast_votes(world.member, review, {mine.id: "excellent"})
    assert votes() == 0


def test_totals_are_published_after_the_round_closes_and_never_who_voted_what(
        world, client, login):
    road = make_commitment(world.branch, world.secretary, title="修村道")
    clinic = make_commitment(world.branch, world.member, title="建卫生站")
    review = make_round(world.branch)
    db.session.commit()
    ballots = {world.member: ("good", "average"), world.recorder: ("good", "poor"),
               world.villager_rep: ("fairly_good", "average"),
               world.group_leader: ("good", "average")}
    for voter, (on_road, on_clinic) in ballots.items():
        service.cast_votes(voter, review, {road.id: on_road, clinic.id: on_clinic})
    db.session.commit()
    public = client.get("/v/jia1/commitments").get_data(as_text=True)
    assert "评议：" not in public          # nothing while the round is open
    login(world.secretary)
    assert client.post(f"/disclosures/r/{review.id}/close").status_code == 303
    totals = service.aggregates([review.id])
    assert totals[(review.id, road.id)] == {"good": 3, "fairly_good": 1, "average": 0, "poor": 0}
    assert totals[(review.id, clinic.id)] == {"good": 0, "fairly_good": 0, "average": 3, "poor": 1}
    public = client.get("/v/jia1/commitments").get_data(as_text=True)
    assert "评议：好 3 · 较好 1 · 一般 0 · 差 0" in public
    assert "评议：好 0 · 较好 0 · 一般 3 · 差 1" in public
    # The audit trail says the round was counted, with how many ballots — not who voted when.
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.actor_id.in_([voter.id for voter in ballots]))) == 0
    tallied = db.session.scalar(select(AuditEntry).where(
        AuditEntry.action == "ballot.round_tallied"))
    assert tallied.actor_id == world.secretary.id and '"ballots": 4' in tallied.detail


def test_a_closed_round_takes_no_votes(world, client, login):
    commitment = make_commitment(world.branch, world.secretary)
    review = make_round(world.branch, closed=True)
    db.session.commit()
    login(world.member)
    response = client.post(f"/disclosures/r/{review.id}/vote",
                           data={f"rating-{commitment.id}": "good"})
    assert "这轮评议已经结束" in response.get_data(as_text=True)
    assert votes() == 0


def test_secretary_opens_one_round_per_quarter(world, client, login, frozen):
    from datetime import datetime, timezone

    frozen(datetime(2026, 11, 10, 2, tzinfo=timezone.utc))
    login(world.secretary)
    client.post(f"/disclosures/b/{world.branch.id}/reviews")
    second = client.post(f"/disclosures/b/{world.branch.id}/reviews", follow_redirects=True)
    assert "2026年第4季度的评议已经开过了" in second.get_data(as_text=True)
    rounds = db.session.execute(select(ReviewRound.year, ReviewRound.quarter)).all()
    assert rounds == [(2026, 4)]
