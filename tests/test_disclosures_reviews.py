"""一季一评议: members and villager representatives rate each commitment once per round; only
totals are published, and only after the round is closed."""
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from partyapp.disclosures import reviews as service
from partyapp.disclosures.models import ReviewRound, ReviewVote
from partyapp.extensions import db
from partyapp.models import AuditEntry

from .factories_disclosures import make_commitment, make_round


def votes():
    return db.session.scalar(select(func.count(ReviewVote.id)))


def test_one_vote_per_person_per_commitment_per_round(world, client, login):
    commitment = make_commitment(world.branch, world.secretary)
    review = make_round(world.branch)
    db.session.commit()
    login(world.villager_rep)   # a representative who is not a party member
    url = f"/disclosures/r/{review.id}/vote"
    first = client.post(url, data={f"rating-{commitment.id}": "good"})
    assert first.status_code == 303
    again = client.post(url, data={f"rating-{commitment.id}": "poor"})
    assert again.status_code == 200
    assert "每人每项只能评一次" in again.get_data(as_text=True)
    assert db.session.execute(select(ReviewVote.voter_id, ReviewVote.rating)).all() == [
        (world.villager_rep.id, "good")]


def test_the_database_refuses_a_second_vote_too(world):
    commitment = make_commitment(world.branch, world.secretary)
    review = make_round(world.branch)
    db.session.add(ReviewVote(round_id=review.id, commitment_id=commitment.id,
                              voter_id=world.member.id, rating="good"))
    db.session.flush()
    db.session.add(ReviewVote(round_id=review.id, commitment_id=commitment.id,
                              voter_id=world.member.id, rating="poor"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_a_new_round_takes_new_votes(world):
    commitment = make_commitment(world.branch, world.secretary)
    q3 = make_round(world.branch, quarter=3, closed=True)
    q4 = make_round(world.branch, quarter=4)
    db.session.add(ReviewVote(round_id=q3.id, commitment_id=commitment.id,
                              voter_id=world.member.id, rating="average"))
    service.cast_votes(world.member, q4, {commitment.id: "good"})
    assert votes() == 2


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
    audit = db.session.scalars(select(AuditEntry.detail).where(
        AuditEntry.action == "review.vote")).all()
    assert len(audit) == 4
    assert not any(word in detail for detail in audit
                   for word in ("good", "average", "poor", "fairly"))


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
