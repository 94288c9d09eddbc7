"""Tables of the secret ballot. None of them can tie a grade to a voter:

- `BallotRound`: one per (kind, branch, year, subject) — e.g. ("satisfaction", 7, 2026, "Q4").
- `SealedBallot`: while a round is open, each ballot is ONE row: a random id and the whole
  ballot encrypted with the round's key (kept in a file outside the database and destroyed when
  the round closes). No voter, no time. On SQLite the table has no rowid (rows sit in the order
  of their random ids), and it is emptied and the database rewritten when the round closes.
- `BallotVoter`: who has voted in a round, and nothing else (no time; on SQLite no rowid, so rows
  sit in voter-id order; rewritten in voter-id order when the round closes).
- `BallotResult`: written at close, per item (the person or commitment graded) and grade, the
  number of ballots that gave it.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .. import clock
from ..extensions import db
from ..models import UTCDateTime


class BallotRound(db.Model):
    __tablename__ = "ballot_round"
    __table_args__ = (UniqueConstraint("kind", "branch_id", "year", "subject",
                                       name="uq_ballot_round"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    branch_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    year: Mapped[int]
    subject: Mapped[str] = mapped_column(String(40))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ballots: Mapped[int | None]          # how many were cast; set when the round is tallied

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class SealedBallot(db.Model):
    __tablename__ = "ballot_sealed"
    __table_args__ = {"sqlite_with_rowid": False}
    id: Mapped[str] = mapped_column(String(32), primary_key=True)     # uuid4, random
    round_id: Mapped[int] = mapped_column(ForeignKey("ballot_round.id"), index=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)


class BallotVoter(db.Model):
    __tablename__ = "ballot_voter"
    __table_args__ = {"sqlite_with_rowid": False}
    round_id: Mapped[int] = mapped_column(ForeignKey("ballot_round.id"), primary_key=True)
    voter_id: Mapped[int] = mapped_column(ForeignKey("person.id"), primary_key=True)


class BallotResult(db.Model):
    __tablename__ = "ballot_result"
    __table_args__ = {"sqlite_with_rowid": False}
    round_id: Mapped[int] = mapped_column(ForeignKey("ballot_round.id"), primary_key=True)
    item_id: Mapped[int] = mapped_column(primary_key=True)
    grade: Mapped[str] = mapped_column(String(16), primary_key=True)
    count: Mapped[int]
