"""0012_secret_ballots on a seeded database: the demo's rounds and rounds voted the way partyapp
voted before (grade rows written ballot after ballot, a per-voter audit line, review votes with
the voter's id) are tallied into the ballot tables, and the per-row grades go.

This is also the proof that the secrecy test can fail: the same attacker that finds nothing on
the current schema (tests/test_ballots_secrecy.py) ties EVERY old-style ballot to its voter
before the upgrade — and none after it."""
from __future__ import annotations

import random
import secrets
from collections import Counter
from datetime import datetime

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from partyapp import create_app
from partyapp.extensions import db

from . import ballot_attacker as attacker
from .test_migrations import MIGRATIONS, empty_database  # noqa: F401  (the fixture)

GRADES = ("excellent", "good", "fair", "poor")
RATINGS = ("good", "fairly_good", "average", "poor")
COUNTS = text("SELECT b.kind, b.branch_id, b.year, b.subject, r.item_id, r.grade, r.count "
              "FROM ballot_result r JOIN ballot_round b ON b.id = r.round_id "
              "ORDER BY 1, 2, 3, 4, 5, 6")


def run(sql, **params):
    """One statement in its own transaction; its rows read before the connection goes back."""
    with db.engine.begin() as connection:
        result = connection.execute(text(sql), params)
        return result.freeze()() if result.returns_rows else None


def vote_the_old_way(now: datetime) -> tuple[dict, dict]:
    """At 0011: a closed satisfaction round and an open review round, voted as before."""
    branch_id, year = run("SELECT branch_id, year FROM rating_round ORDER BY id LIMIT 1").one()
    demo_round = run("SELECT id FROM rating_round WHERE branch_id = :b", b=branch_id).scalar()
    ratees = sorted(run("SELECT DISTINCT ratee_id FROM rating_grade WHERE round_id = :r",
                        r=demo_round).scalars())
    raters = sorted(run("SELECT rater_id FROM rating_ballot_cast WHERE round_id = :r",
                        r=demo_round).scalars())[:6]
    used = set(run("SELECT quarter FROM rating_round WHERE branch_id = :b AND year = :y",
                   b=branch_id, y=year).scalars())
    quarter = min({1, 2, 3, 4} - used)
    round_id = run("INSERT INTO rating_round (branch_id, year, quarter, opened_at, closed_at) "
                   "VALUES (:b, :y, :q, :t, :t) RETURNING id", b=branch_id, y=year, q=quarter,
                   t=now).scalar_one()
    truth = {}
    for i, rater in enumerate(raters):        # each ballot one transaction, as cast_ballot did
        ballot = {p: GRADES[(i + 2 * j) % 4] for j, p in enumerate(ratees) if p != rater}
        rows = [dict(id=secrets.token_hex(16), r=round_id, p=p, g=g) for p, g in ballot.items()]
        random.shuffle(rows)
        with db.engine.begin() as c:
            c.execute(text("INSERT INTO rating_ballot_cast (round_id, rater_id) VALUES (:r, :v)"),
                      dict(r=round_id, v=rater))
            c.execute(text("INSERT INTO rating_grade (id, round_id, ratee_id, grade) "
                           "VALUES (:id, :r, :p, :g)"), rows)
            c.execute(text("INSERT INTO audit_entry (at, actor_id, org_id, action, entity, "
                           "entity_id, detail) VALUES (:at, :v, :b, 'rating.ballot_cast', "
                           "'rating_round', :r, '')"), dict(at=now, v=rater, b=branch_id, r=round_id))
        truth[rater] = ballot
    return truth, vote_reviews_the_old_way(branch_id, year, raters, now)


def vote_reviews_the_old_way(branch_id, year, voters, now):
    commitments = sorted(run("SELECT id FROM commitment WHERE branch_id = :b", b=branch_id)
                         .scalars())[:3]
    assert commitments, "the demo has commitments in every village"
    review_id = run("INSERT INTO review_round (branch_id, year, quarter, opened_at) "
                    "VALUES (:b, :y, 4, :t) RETURNING id", b=branch_id, y=year, t=now).scalar_one()
    truth = {}
    for i, voter in enumerate(voters[:4]):
        ballot = {c: RATINGS[(i + j) % 4] for j, c in enumerate(commitments)}
        with db.engine.begin() as c:
            c.execute(text("INSERT INTO review_vote (round_id, commitment_id, voter_id, rating, at) "
                           "VALUES (:r, :c, :v, :g, :t)"),
                      [dict(r=review_id, c=cid, v=voter, g=g, t=now) for cid, g in ballot.items()])
        truth[voter] = ballot
    return truth


def attack(key_dir=None):
    connection = db.engine.raw_connection()
    try:
        return attacker.tie(attacker.Reader(connection, db.engine.dialect.name), key_dir)
    finally:
        connection.close()


def test_old_rounds_are_tallied_the_old_leak_closes_and_downgrade_restores_the_counts(
        empty_database, tmp_path):  # noqa: F811
    key_dir = tmp_path / "keys"
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": empty_database,
                      "BALLOT_KEY_DIR": str(key_dir)})
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        assert app.test_cli_runner().invoke(args=["seed-demo"]).exit_code == 0
        demo_counts = run(COUNTS.text).all()
        assert demo_counts
        db.session.remove()
        downgrade(directory=MIGRATIONS, revision="0011_rating_indexes")
        now = datetime(2026, 11, 20, 2, 0)
        satisfaction, review = vote_the_old_way(now)

        # Before: the attacker ties every ballot — the test below it would fail here.
        guesses = attack()
        assert attacker.correct(guesses, satisfaction) == set(satisfaction)
        assert attacker.correct(guesses, review) == set(review)

        upgrade(directory=MIGRATIONS)
        guesses = attack(key_dir)
        assert attacker.correct(guesses, satisfaction) == set()
        assert attacker.correct(guesses, review) == set()
        tables = set(attacker.Reader(db.engine.raw_connection(), db.engine.dialect.name).tables())
        assert not tables & {"rating_grade", "rating_ballot_cast", "review_vote"}
        assert run("SELECT COUNT(*) FROM audit_entry WHERE action IN "
                   "('rating.ballot_cast', 'review.vote')").scalar() == 0

        after = run(COUNTS.text).all()
        assert set(demo_counts) <= set(after)           # the demo's results are intact
        new = Counter()
        for ballot in satisfaction.values():
            new.update(ballot.items())
        migrated = {(row.item_id, row.grade): row.count for row in after
                    if row.kind == "satisfaction" and (row.branch_id, row.year, row.subject)
                    not in {(d.branch_id, d.year, d.subject) for d in demo_counts}}
        assert migrated == dict(new)
        closed = run("SELECT ballots FROM ballot_round WHERE kind = 'satisfaction' "
                     "ORDER BY id").scalars().all()
        assert len(satisfaction) in closed

        # The open review round carried its counts over; one more ballot, then close: both count.
        carried_over_review_takes_a_new_ballot_and_closes(review)

        # Down and up again: the counts survive both ways.
        before = run(COUNTS.text).all()
        db.session.remove()
        downgrade(directory=MIGRATIONS, revision="0011_rating_indexes")
        assert run("SELECT COUNT(*) FROM rating_grade").scalar() == sum(
            r.count for r in before if r.kind == "satisfaction")
        assert run("SELECT COUNT(*) FROM review_vote").scalar() == sum(
            r.count for r in before if r.kind == "review")
        upgrade(directory=MIGRATIONS)
        assert run(COUNTS.text).all() == before
        db.session.remove()
        db.engine.dispose()


def carried_over_review_takes_a_new_ballot_and_closes(review_truth):
    from sqlalchemy import select

    from partyapp.disclosures import reviews
    from partyapp.disclosures.models import ReviewRound
    from partyapp.models import Person

    review = db.session.scalar(select(ReviewRound).where(ReviewRound.closed_at.is_(None)))
    commitment_ids = sorted({c for ballot in review_truth.values() for c in ballot})
    newcomer = db.session.scalar(select(Person).where(Person.id.not_in(list(review_truth)))
                                 .order_by(Person.id))
    assert reviews.cast_votes(newcomer, review, {commitment_ids[0]: "poor"}) == 1
    secretary = db.session.get(Person, review.opened_by_id) if review.opened_by_id else newcomer
    reviews.close_round(secretary, review)
    totals = reviews.aggregates([review.id])[(review.id, commitment_ids[0])]
    expected = Counter(ballot[commitment_ids[0]] for ballot in review_truth.values())
    expected["poor"] += 1
    assert {k: v for k, v in totals.items() if v} == dict(expected)
