"""党员满意度测评: quarterly rounds with a secret ballot, run by the ballot service
(partyapp/ballots). This module says who grades whom and checks a ballot; the service stores
it sealed, without voter or time, and counts it when the round closes. Results are aggregates,
shown only once the round is closed (live counts would reveal a ballot to someone watching them
change)."""
from __future__ import annotations

from sqlalchemy import select

from .. import audit, clock
from ..ballots import services as ballots
from ..extensions import db
from ..models import Membership, Organization, Person, Role
from ..notify.services import notify
from .models import EvaluationRound, Grade
from .scoring import _active, branch_members


def subject_of(round_: EvaluationRound) -> str:
    return f"Q{round_.quarter}"


def ballot_round_of(round_: EvaluationRound):
    return ballots.find_round(ballots.SATISFACTION, round_.branch_id, round_.year,
                              subject_of(round_))


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
    ballots.open_round(ballots.SATISFACTION, branch.id, year, subject_of(round_))
    audit.record(actor, "rating.round_open", "rating_round", round_.id, org_id=branch.id,
                 year=year, quarter=quarter)
    db.session.commit()
    return round_


def start_round(actor, branch: Organization, year: int, quarter: int) -> EvaluationRound | str:
    """Open the round (open_round) and tell the branch's raters (commits)."""
    round_ = open_round(actor, branch, year, quarter)
    if isinstance(round_, str):
        return round_
    notify(rater_ids(branch), f"请参加{round_.label}", "无记名，每人一票。",
           f"/ratings/rounds/{round_.id}")
    db.session.commit()
    return round_


def close_round(actor, round_: EvaluationRound) -> str | None:
    """Close the round and have its ballots counted (the service commits)."""
    if round_.closed_at is not None:
        return None
    ballot_round = ballot_round_of(round_)
    round_.closed_at = clock.now()
    audit.record(actor, "rating.round_close", "rating_round", round_.id,
                 org_id=round_.branch_id)
    if ballot_round is None:          # a round without a ballot box (never voted in)
        db.session.commit()
        return None
    outcome = ballots.close(actor, ballot_round)
    if isinstance(outcome, str):
        db.session.rollback()
        return outcome
    return None


def rater_ids(branch: Organization) -> set[int]:
    """Who may grade: the branch's party members and its villager representatives."""
    members = {p.id for p in branch_members(branch)}
    reps = set(db.session.scalars(
        select(Membership.person_id).join(Membership.org)
        .where(Organization.path.startswith(branch.path), Membership.role == Role.VILLAGER_REP,
               _active())))
    return members | reps


def has_voted(round_: EvaluationRound, person_id: int) -> bool:
    ballot_round = ballot_round_of(round_)
    return ballot_round is not None and ballots.has_voted(ballot_round.id, person_id)


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
    ballot_round = ballot_round_of(round_)
    if ballot_round is None:
        return "本轮测评没有票箱，请联系支部书记"
    return ballots.cast(ballot_round, rater.id, grades)


MIN_BALLOTS_FOR_RESULTS = 3   # fewer ballots: per-member counts would expose a ballot


def round_results(round_: EvaluationRound) -> dict:
    """Aggregates only: ballots cast, and per member the number of each grade (withheld when
    fewer than MIN_BALLOTS_FOR_RESULTS ballots were cast)."""
    ballot_round = ballot_round_of(round_)
    cast = ballots.ballots_cast(ballot_round) if ballot_round else 0
    if cast < MIN_BALLOTS_FOR_RESULTS or ballot_round is None:
        return {"ballots": cast, "per_member": {}, "withheld": True}
    per_member = ballots.results([ballot_round.id]).get(ballot_round.id, {})
    return {"ballots": cast, "per_member": per_member, "withheld": False}


def open_rounds_for(person: Person, branch_ids: list[int]) -> list[EvaluationRound]:
    """Open rounds of these branches where the person has not voted yet (two queries)."""
    if not branch_ids:
        return []
    voted = ballots.voted_subjects(ballots.SATISFACTION, person.id, branch_ids)
    rounds = db.session.scalars(
        select(EvaluationRound).where(EvaluationRound.branch_id.in_(branch_ids),
                                      EvaluationRound.closed_at.is_(None)))
    return [r for r in rounds if (r.branch_id, r.year, subject_of(r)) not in voted]


def branch_rounds(branch_id: int) -> list[EvaluationRound]:
    return list(db.session.scalars(select(EvaluationRound)
                                   .where(EvaluationRound.branch_id == branch_id)
                                   .order_by(EvaluationRound.year.desc(),
                                             EvaluationRound.quarter.desc())))
