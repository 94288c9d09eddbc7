"""民主评议党员 through the pages: members vote through the one ballot service, the secretary
closes, the committee confirms, the 公示 service publishes — and the same attacker as the
quarterly ballot's (tests/ballot_attacker.py) ties no grade to its voter."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from partyapp import clock
from partyapp.ballots import sealing
from partyapp.extensions import db
from partyapp.orglife import services
from partyapp.orglife.models import MemberReview, ReviewGrade, ReviewOutcome

from . import ballot_attacker as attacker
from .factories import make_person
from .test_ballots_secrecy import (assert_a_pg_dump_ties_nothing,
                                   assert_postgres_files_hold_no_ballot,
                                   assert_sqlite_files_wal_and_backup_tie_nothing, is_postgres,
                                   raw_reader)

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=clock.UTC)


def vote_through_the_pages(world, client, login):
    for n in range(4):
        make_person(f"党员{n}", org=world.branch)
    db.session.commit()
    login(world.secretary)
    assert client.post(f"/orglife/b/{world.branch.id}/reviews",
                       data={"year": "2026"}).status_code == 303
    review = db.session.scalar(select(MemberReview))
    voters = [p.id for p in services.members(review.branch)]
    truth = {}
    for i, voter_id in enumerate(voters):
        ballot = {ratee: ReviewGrade.ORDER[(i + 2 * j) % 4] for j, ratee in enumerate(voters)
                  if ratee != voter_id}
        login(db.session.get(type(world.member), voter_id))
        response = client.post(f"/orglife/reviews/{review.id}/ballot",
                               data={f"grade-{pid}": g for pid, g in ballot.items()})
        assert response.status_code == 303, response.get_data(as_text=True)
        truth[voter_id] = ballot
    # A second ballot is refused.
    again = client.post(f"/orglife/reviews/{review.id}/ballot",
                        data={f"grade-{pid}": "good" for pid in voters if pid != voters[-1]})
    assert "只能投一次" in again.get_data(as_text=True)
    return review, truth


def test_the_review_is_as_secret_as_the_quarterly_ballot(app, world, client, login, frozen,
                                                         tmp_path):
    frozen(NOW)
    review, truth = vote_through_the_pages(world, client, login)
    assert len(truth) >= 5
    from partyapp.ballots.models import SealedBallot

    sealed = list(db.session.scalars(select(SealedBallot.sealed)))
    assert len(sealed) == len(truth)
    key_dir = sealing.key_dir()
    reader, connection = raw_reader()
    assert attacker.correct(attacker.tie(reader), truth) == set()
    connection.close()

    login(world.secretary)
    db.session.remove()
    assert client.post(f"/orglife/reviews/{review.id}/close").status_code == 303
    reader, connection = raw_reader()
    try:
        assert attacker.correct(attacker.tie(reader, key_dir), truth) == set()
        if is_postgres():
            assert_postgres_files_hold_no_ballot(connection, sealed)
    finally:
        connection.close()
    if is_postgres():
        assert_a_pg_dump_ties_nothing(truth, key_dir, sealed, tmp_path)
    else:
        assert_sqlite_files_wal_and_backup_tie_nothing(app, truth, key_dir, sealed, tmp_path)


def test_the_committee_confirms_before_the_notice_publishes(world, client, login, frozen):
    frozen(NOW)
    review, truth = vote_through_the_pages(world, client, login)
    login(world.secretary)
    client.post(f"/orglife/reviews/{review.id}/close")
    review = db.session.get(MemberReview, review.id)
    listed = services.proposals(review)
    assert listed
    chosen = {f"outcome-{m.person.id}": "poor" for m in listed}
    page = client.post(f"/orglife/reviews/{review.id}/confirm",
                       data={**chosen, "notice_days": "5"}).get_data(as_text=True)
    assert "须由支委会逐人确认" in page
    assert db.session.scalar(select(ReviewOutcome.id)) is None
    chosen = {f"outcome-{m.person.id}": "good" for m in listed}
    assert client.post(f"/orglife/reviews/{review.id}/confirm",
                       data={**chosen, "notice_days": "5"}).status_code == 303
    grades = services.year_grades(world.branch.id, 2026)
    assert set(grades) == {m.person.id for m in listed} and set(grades.values()) == {"good"}
    login(world.member)
    page = client.get(f"/orglife/reviews/{review.id}").get_data(as_text=True)
    assert "2026年民主评议党员结果公示" in page
