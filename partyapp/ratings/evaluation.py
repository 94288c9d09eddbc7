"""党员满意度测评: quarterly rounds with a secret ballot.

Casting a ballot inserts ONE BallotCast(round, rater) row — its primary key makes a second
ballot impossible — and the grades, each with a random id, no rater and no time, in the same
transaction and in shuffled order. The audit trail says a ballot was cast, never its content.
Results are aggregates, shown only once the round is closed (live counts would reveal a ballot
to someone watching them change).
"""
from __future__ import annotations

import random
import secrets

from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError

from .. import audit, clock
from ..extensions import db
from ..models import Membership, Organization, Person, Role
from .models import BallotCast, EvaluationRound, Grade, GradeRow
from .scoring import _active, branch_members


def open_round(actor, branch: Organization, year: int, quarter: int) -> EvaluationRound | str:
    if not 1 <= quarter <= 4:
        return "季度应为 1 到 4"
    exists_already = db.session.scalar(select(EvaluationRound.id).where(
        EvaluationRound.branch_id == branch.id, EvaluationRound.year == year,
        EvaluationRound.quarter == quarter))
    if exists_already:
        return f"{year}年第{quarter}季度的测评已经开过了"
    round_ = EvaluationRound(branch_id=branch.id, year=year, quarter=quarter,
                             opened_by_id=actor.id)
    db.session.add(round_)
    db.session.flush()
    audit.record(actor, "rating.round_open", "rating_round", round_.id, org_id=branch.id,
                 year=year, quarter=quarter)
    db.session.commit()
    return round_


def close_round(actor, round_: EvaluationRound) -> None:
    if round_.closed_at is None:
        round_.closed_at = clock.now()
        audit.record(actor, "rating.round_close", "rating_round", round_.id,
                     org_id=round_.branch_id)
        db.session.commit()


def rater_ids(branch: Organization) -> set[int]:
    """Who may grade: the branch's party members and its villager representatives."""
    members = {p.id for p in branch_members(branch)}
    reps = set(db.session.scalars(
        select(Membership.person_id).join(Membership.org)
        .where(Organization.path.startswith(branch.path), Membership.role == Role.VILLAGER_REP,
               _active())))
    return members | reps


def has_voted(round_id: int, person_id: int) -> bool:
    return bool(db.session.scalar(select(exists().where(
        BallotCast.round_id == round_id, BallotCast.rater_id == person_id))))


def ratees_for(branch: Organization, rater: Person) -> list[Person]:
    """The members a rater grades: everyone in the branch but themselves (pinyin order)."""
    return [p for p in branch_members(branch) if p.id != rater.id]


def cast_ballot(rater: Person, round_: EvaluationRound, grades: dict[int, str]) -> str | None:
    """Record one ballot; returns an error message or None."""
    if round_.closed_at is not None:
        return "本轮测评已经结束"
    if rater.id in grades:
        return "不能给自己打分"
    expected = {p.id for p in ratees_for(round_.branch, rater)}
    if set(grades) != expected:
        return "请为名单上的每一位党员选择一个等次"
    if any(grade not in Grade.LABELS for grade in grades.values()):
        return "等次不正确"
    rows = [GradeRow(id=secrets.token_hex(16), round_id=round_.id, ratee_id=ratee, grade=grade)
            for ratee, grade in grades.items()]
    random.SystemRandom().shuffle(rows)
    try:
        db.session.add(BallotCast(round_id=round_.id, rater_id=rater.id))
        db.session.flush()
        db.session.add_all(rows)
        audit.record(rater, "rating.ballot_cast", "rating_round", round_.id,
                     org_id=round_.branch_id)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return "你已经投过票了，每人每轮只能投一次"
    return None


MIN_BALLOTS_FOR_RESULTS = 3   # fewer ballots: per-member counts would expose a ballot


def round_results(round_: EvaluationRound) -> dict:
    """Aggregates only: ballots cast, and per member the number of each grade (withheld when
    fewer than MIN_BALLOTS_FOR_RESULTS ballots were cast)."""
    ballots = db.session.scalar(select(func.count()).select_from(BallotCast)
                                .where(BallotCast.round_id == round_.id)) or 0
    per_member: dict[int, dict[str, int]] = {}
    if ballots < MIN_BALLOTS_FOR_RESULTS:
        return {"ballots": ballots, "per_member": per_member, "withheld": True}
    for ratee_id, grade, count in db.session.execute(
            select(GradeRow.ratee_id, GradeRow.grade, func.count())
            .where(GradeRow.round_id == round_.id).group_by(GradeRow.ratee_id, GradeRow.grade)):
        per_member.setdefault(ratee_id, {})[grade] = count
    return {"ballots": ballots, "per_member": per_member, "withheld": False}


def open_rounds_for(person: Person, branch_ids: list[int]) -> list[EvaluationRound]:
    """Open rounds of these branches where the person has not voted yet (one query)."""
    if not branch_ids:
        return []
    voted = exists().where(BallotCast.round_id == EvaluationRound.id,
                           BallotCast.rater_id == person.id)
    return list(db.session.scalars(
        select(EvaluationRound).where(EvaluationRound.branch_id.in_(branch_ids),
                                      EvaluationRound.closed_at.is_(None), ~voted)))


def branch_rounds(branch_id: int) -> list[EvaluationRound]:
    return list(db.session.scalars(select(EvaluationRound)
                                   .where(EvaluationRound.branch_id == branch_id)
                                   .order_by(EvaluationRound.year.desc(),
                                             EvaluationRound.quarter.desc())))
