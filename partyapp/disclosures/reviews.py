"""一季一评议: quarterly review rounds. Members and villager representatives each cast one
secret ballot per round, rating the commitments they choose to rate; the ballot service
(partyapp/ballots) keeps it sealed without voter or time and counts it when the round closes.
Only the totals are ever published, and only with at least three ballots."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .. import audit, clock
from ..ballots import services as ballots
from ..extensions import db
from .models import Commitment, Rating, ReviewRound


class ReviewError(ValueError):
    """Message is Chinese."""


def quarter_of(day) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def open_round(actor, branch) -> ReviewRound:
    year, quarter = quarter_of(clock.today())
    review = ReviewRound(branch_id=branch.id, year=year, quarter=quarter, opened_by_id=actor.id)
    db.session.add(review)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise ReviewError(f"{year}年第{quarter}季度的评议已经开过了。")
    ballots.open_round(ballots.REVIEW, branch.id, year, f"Q{quarter}")
    audit.record(actor, "review.open", "review_round", review.id, org_id=branch.id,
                 year=year, quarter=quarter)
    db.session.commit()
    return review


def close_round(actor, review: ReviewRound) -> None:
    """Close the round and have its ballots counted (the ballot service commits)."""
    if review.closed_at is not None:
        raise ReviewError("这轮评议已经结束。")
    ballot_round = ballot_round_of(review)
    review.closed_at = clock.now()
    audit.record(actor, "review.close", "review_round", review.id, org_id=review.branch_id)
    if ballot_round is None:
        db.session.commit()
        return
    outcome = ballots.close(actor, ballot_round)
    if isinstance(outcome, str):
        db.session.rollback()
        raise ReviewError(outcome)
    db.session.commit()


def subject_of(review: ReviewRound) -> str:
    return f"Q{review.quarter}"


def ballot_round_of(review: ReviewRound):
    return ballots.find_round(ballots.REVIEW, review.branch_id, review.year, subject_of(review))


def cast_votes(voter, review: ReviewRound, ratings: dict[int, str]) -> int:
    """Record the voter's ballot: a rating for each commitment they choose to rate (commitment
    id -> rating). One ballot per person and round, sealed by the ballot service."""
    if not review.is_open:
        raise ReviewError("这轮评议已经结束，不能再评。")
    if not ratings:
        raise ReviewError("请至少为一项承诺选择评分。")
    valid = set(db.session.scalars(select(Commitment.id).where(
        Commitment.branch_id == review.branch_id, Commitment.id.in_(list(ratings)))))
    if set(ratings) - valid or set(ratings.values()) - set(Rating.LABELS):
        raise ReviewError("评议内容不正确，请重新选择。")
    ballot_round = ballot_round_of(review)
    if ballot_round is None:
        raise ReviewError("这轮评议没有票箱，请联系支部书记。")
    error = ballots.cast(ballot_round, voter.id, ratings)
    if error:
        raise ReviewError("您已经评过了，每人每轮只能评一次。"
                          if error == ballots.ALREADY_VOTED else error)
    db.session.commit()
    return len(ratings)


def has_voted(review: ReviewRound, voter_id: int) -> bool:
    ballot_round = ballot_round_of(review)
    return ballot_round is not None and ballots.has_voted(ballot_round.id, voter_id)


MIN_BALLOTS_FOR_RESULTS = 3   # fewer ballots: the totals would show how someone rated


def aggregates(round_ids) -> dict[tuple[int, int], dict[str, int]]:
    """(round id, commitment id) -> {rating: count} for tallied rounds with at least
    MIN_BALLOTS_FOR_RESULTS ballots. Three queries."""
    reviews = list(db.session.scalars(select(ReviewRound).where(
        ReviewRound.id.in_(list(round_ids)))))
    boxes = ballots.rounds_by_subject(ballots.REVIEW, {r.branch_id for r in reviews})
    review_of = {}
    for review in reviews:
        box = boxes.get((review.branch_id, review.year, subject_of(review)))
        if box is not None and (box.ballots or 0) >= MIN_BALLOTS_FOR_RESULTS:
            review_of[box.id] = review.id
    totals: dict = defaultdict(lambda: {key: 0 for key in Rating.LABELS})
    for box_id, per_item in ballots.results(list(review_of)).items():
        for commitment_id, counts in per_item.items():
            totals[(review_of[box_id], commitment_id)].update(counts)
    return dict(totals)


def rounds_of(branch_ids, closed_only: bool = False) -> list[ReviewRound]:
    query = select(ReviewRound).where(ReviewRound.branch_id.in_(list(branch_ids)))
    if closed_only:
        query = query.where(ReviewRound.closed_at.is_not(None))
    return list(db.session.scalars(query.order_by(ReviewRound.year.desc(),
                                                  ReviewRound.quarter.desc())))


def open_rounds_to_vote(person, branch_ids) -> list[ReviewRound]:
    """Open rounds in these branches where the person has not voted yet. Two queries."""
    voted = ballots.voted_subjects(ballots.REVIEW, person.id, branch_ids)
    rounds = db.session.scalars(select(ReviewRound).where(
        ReviewRound.branch_id.in_(list(branch_ids)), ReviewRound.closed_at.is_(None)))
    return [r for r in rounds if (r.branch_id, r.year, subject_of(r)) not in voted]
