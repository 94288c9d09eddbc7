"""The secret ballot, for every feature that needs one (满意度测评, 一季一评议, and later 民主评议
党员, 述职评议, 两委 民主评议). A feature keeps its own round (label, who may vote, what is
graded) and asks this service to open a round, take ballots, count them and read results.

What a database reader can learn (see models.py, sealing.py, storage.py):
- while a round is open: who has voted, how many ballots there are, and sealed ballots it
  cannot open without the round's key, which is not in the database;
- after the round is tallied: who voted and the counts per item and grade — nothing else. The
  sealed ballots are deleted, the key destroyed and the tables rewritten.
The audit trail records that a round was tallied and how many ballots it had, never who voted
when.
"""
from __future__ import annotations

import uuid
from collections import Counter

from sqlalchemy import delete, exists, func, insert, select
from sqlalchemy.exc import IntegrityError

from .. import audit, clock
from ..extensions import db
from . import sealing, storage
from .models import BallotResult, BallotRound, BallotVoter, SealedBallot

SATISFACTION = "satisfaction"   # 党员满意度测评 (ratings)
REVIEW = "review"               # 一季一评议 of commitments (disclosures)
DEMOCRATIC_REVIEW = "member_review"  # 民主评议党员 at the yearly 组织生活会 (orglife)

KeyLost = sealing.KeyLost
ALREADY_VOTED = "你已经投过票了，每人每轮只能投一次"


def find_round(kind: str, branch_id: int, year: int, subject: str) -> BallotRound | None:
    return db.session.scalar(select(BallotRound).where(
        BallotRound.kind == kind, BallotRound.branch_id == branch_id, BallotRound.year == year,
        BallotRound.subject == subject))


def open_round(kind: str, branch_id: int, year: int, subject: str) -> BallotRound:
    """The ballot round of a feature's round (made once; the caller's transaction commits)."""
    found = find_round(kind, branch_id, year, subject)
    if found is not None:
        return found
    round_ = BallotRound(kind=kind, branch_id=branch_id, year=year, subject=subject)
    db.session.add(round_)
    db.session.flush()
    sealing.create_key(round_.id)
    return round_


def cast(round_: BallotRound, voter_id: int, choices: dict[int, str]) -> str | None:
    """Store one ballot (the caller has checked the choices). Returns an error or None.
    One transaction: the voter's marker (its key refuses a second ballot) and the sealed
    ballot, which carries neither the voter nor a time."""
    if not round_.is_open:
        return "本轮投票已经结束"
    _key_for_a_carried_over_round(round_.id)
    try:
        sealed = sealing.seal(round_.id, choices)
    except sealing.KeyLost:
        return "本轮票箱出了问题，请联系支部书记"
    db.session.add(BallotVoter(round_id=round_.id, voter_id=voter_id))
    db.session.add(SealedBallot(id=uuid.uuid4().hex, round_id=round_.id, sealed=sealed))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return ALREADY_VOTED
    return None


def _key_for_a_carried_over_round(round_id: int) -> None:
    """A round opened before sealed ballots existed (carried over by the migration) gets its key
    at its first new ballot. Only while it holds no sealed ballot: a key missing then is lost,
    and a new one must not hide that."""
    if sealing.key_path(round_id).exists():
        return
    if not db.session.scalar(select(exists().where(SealedBallot.round_id == round_id))):
        sealing.create_key_once(round_id)


def has_voted(round_id: int, voter_id: int) -> bool:
    return bool(db.session.scalar(select(exists().where(
        BallotVoter.round_id == round_id, BallotVoter.voter_id == voter_id))))


def voted_subjects(kind: str, voter_id: int, branch_ids) -> set[tuple[int, int, str]]:
    """(branch id, year, subject) of the rounds of this kind the person has voted in. One
    query — for a feature's list of rounds still waiting for the person."""
    return set(db.session.execute(
        select(BallotRound.branch_id, BallotRound.year, BallotRound.subject)
        .join(BallotVoter, BallotVoter.round_id == BallotRound.id)
        .where(BallotRound.kind == kind, BallotRound.branch_id.in_(list(branch_ids)),
               BallotVoter.voter_id == voter_id)).tuples())


def ballots_cast(round_: BallotRound) -> int:
    if round_.ballots is not None:
        return round_.ballots
    return db.session.scalar(select(func.count()).select_from(BallotVoter)
                             .where(BallotVoter.round_id == round_.id)) or 0


def close(actor, round_: BallotRound) -> dict | str:
    """Count the sealed ballots into the result table, delete them, write the voters back in
    voter order, destroy the key, rewrite the tables. Commits. Returns how the storage was
    rewritten, or an error."""
    if not round_.is_open:
        return "本轮投票已经结束"
    round_id = round_.id
    sealed = db.session.scalars(select(SealedBallot.sealed)
                                .where(SealedBallot.round_id == round_id)).all()
    try:
        key = sealing.read_key(round_id) if sealed else b""
    except sealing.KeyLost:
        return "本轮票箱的钥匙找不到了，无法计票，请联系管理员"
    counts = Counter((item, grade) for blob in sealed
                     for item, grade in sealing.unseal(round_id, key, blob).items())
    _add_results(round_id, counts)
    db.session.execute(delete(SealedBallot).where(SealedBallot.round_id == round_id))
    voters = _rewrite_voters(round_id)
    round_.closed_at, round_.ballots = clock.now(), voters
    audit.record(actor, "ballot.round_tallied", "ballot_round", round_id,
                 org_id=round_.branch_id, ballots=voters)
    db.session.commit()
    sealing.destroy_key(round_id)
    return storage.rewrite()


def _add_results(round_id: int, counts: Counter) -> None:
    """Write the counts (added to those a round carried over from before sealed ballots)."""
    carried = {(item, grade): n for item, grade, n in db.session.execute(
        select(BallotResult.item_id, BallotResult.grade, BallotResult.count)
        .where(BallotResult.round_id == round_id))}
    if not counts:
        return
    total = Counter(carried) + counts
    db.session.execute(delete(BallotResult).where(BallotResult.round_id == round_id))
    db.session.execute(insert(BallotResult), [
        {"round_id": round_id, "item_id": item, "grade": grade, "count": n}
        for (item, grade), n in sorted(total.items())])


def _rewrite_voters(round_id: int) -> int:
    """The markers were written in voting order (PostgreSQL keeps rows in the order written,
    each with its transaction id): write them again, all at once, in voter-id order. Returns
    how many voted — one ballot each."""
    voters = sorted(db.session.scalars(select(BallotVoter.voter_id)
                                       .where(BallotVoter.round_id == round_id)))
    db.session.execute(delete(BallotVoter).where(BallotVoter.round_id == round_id))
    if voters:
        db.session.execute(insert(BallotVoter),
                           [{"round_id": round_id, "voter_id": v} for v in voters])
    return len(voters)


def results(round_ids) -> dict[int, dict[int, dict[str, int]]]:
    """{round id: {item id: {grade: ballots}}} of tallied rounds. One query."""
    found: dict[int, dict[int, dict[str, int]]] = {}
    if not round_ids:
        return found
    for round_id, item, grade, count in db.session.execute(
            select(BallotResult.round_id, BallotResult.item_id, BallotResult.grade,
                   BallotResult.count).where(BallotResult.round_id.in_(list(round_ids)))):
        found.setdefault(round_id, {}).setdefault(item, {})[grade] = count
    return found


def rounds_by_subject(kind: str, branch_ids, year: int | None = None) -> dict:
    """{(branch id, year, subject): BallotRound} for a feature's list pages. One query."""
    query = select(BallotRound).where(BallotRound.kind == kind,
                                      BallotRound.branch_id.in_(list(branch_ids)))
    if year is not None:
        query = query.where(BallotRound.year == year)
    return {(r.branch_id, r.year, r.subject): r for r in db.session.scalars(query)}


def year_totals(kind: str, branch_id: int, year: int) -> dict[int, dict[str, int]]:
    """{item id: {grade: ballots}} summed over the branch's tallied rounds of the year. One
    query."""
    found: dict[int, dict[str, int]] = {}
    for item, grade, count in db.session.execute(
            select(BallotResult.item_id, BallotResult.grade, func.sum(BallotResult.count))
            .join(BallotRound, BallotRound.id == BallotResult.round_id)
            .where(BallotRound.kind == kind, BallotRound.branch_id == branch_id,
                   BallotRound.year == year, BallotRound.closed_at.is_not(None))
            .group_by(BallotResult.item_id, BallotResult.grade)):
        found.setdefault(item, {})[grade] = int(count)
    return found
