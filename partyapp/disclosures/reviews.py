"""一季一评议: quarterly review rounds. Members and villager representatives rate each
commitment once per round; only the totals are ever published (the audit trail records that a
person voted, never what)."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from .. import audit, clock
from ..extensions import db
from .models import Commitment, Rating, ReviewRound, ReviewVote


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
    audit.record(actor, "review.open", "review_round", review.id, org_id=branch.id,
                 year=year, quarter=quarter)
    return review


def close_round(actor, review: ReviewRound) -> None:
    if review.closed_at is not None:
        raise ReviewError("这轮评议已经结束。")
    review.closed_at = clock.now()
    audit.record(actor, "review.close", "review_round", review.id, org_id=review.branch_id)


def cast_votes(voter, review: ReviewRound, ratings: dict[int, str]) -> int:
    """Record the voter's ratings (commitment id -> rating). A commitment already rated by
    this voter in this round is refused by the unique constraint."""
    if not review.is_open:
        raise ReviewError("这轮评议已经结束，不能再评。")
    if not ratings:
        raise ReviewError("请至少为一项承诺选择评分。")
    valid = set(db.session.scalars(select(Commitment.id).where(
        Commitment.branch_id == review.branch_id, Commitment.id.in_(list(ratings)))))
    if set(ratings) - valid or set(ratings.values()) - set(Rating.LABELS):
        raise ReviewError("评议内容不正确，请重新选择。")
    for commitment_id, rating in ratings.items():
        db.session.add(ReviewVote(round_id=review.id, commitment_id=commitment_id,
                                  voter_id=voter.id, rating=rating))
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise ReviewError("您已经评过了，每人每项只能评一次。")
    audit.record(voter, "review.vote", "review_round", review.id, org_id=review.branch_id,
                 count=len(ratings))   # never the ratings themselves
    return len(ratings)


def voted_commitments(review_id: int, voter_id: int) -> set[int]:
    return set(db.session.scalars(select(ReviewVote.commitment_id).where(
        ReviewVote.round_id == review_id, ReviewVote.voter_id == voter_id)))


def aggregates(round_ids) -> dict[tuple[int, int], dict[str, int]]:
    """(round id, commitment id) -> {rating: count}. One grouped query."""
    totals: dict = defaultdict(lambda: {key: 0 for key in Rating.LABELS})
    rows = db.session.execute(
        select(ReviewVote.round_id, ReviewVote.commitment_id, ReviewVote.rating,
               func.count(ReviewVote.id))
        .where(ReviewVote.round_id.in_(list(round_ids)))
        .group_by(ReviewVote.round_id, ReviewVote.commitment_id, ReviewVote.rating)).all()
    for round_id, commitment_id, rating, count in rows:
        totals[(round_id, commitment_id)][rating] = count
    return dict(totals)


def rounds_of(branch_ids, closed_only: bool = False) -> list[ReviewRound]:
    query = select(ReviewRound).where(ReviewRound.branch_id.in_(list(branch_ids)))
    if closed_only:
        query = query.where(ReviewRound.closed_at.is_not(None))
    return list(db.session.scalars(query.order_by(ReviewRound.year.desc(),
                                                  ReviewRound.quarter.desc())))


def open_rounds_to_vote(person, branch_ids) -> list[ReviewRound]:
    """Open rounds in these branches where the person has not rated every commitment."""
    voted = (select(func.count(ReviewVote.id)).where(ReviewVote.round_id == ReviewRound.id,
                                                     ReviewVote.voter_id == person.id)
             .scalar_subquery())
    total = (select(func.count(Commitment.id)).where(Commitment.branch_id == ReviewRound.branch_id)
             .scalar_subquery())
    return list(db.session.scalars(select(ReviewRound).where(
        ReviewRound.branch_id.in_(list(branch_ids)), ReviewRound.closed_at.is_(None),
        voted < total)))
