"""Factories for the ratings feature."""
from __future__ import annotations

from datetime import date

from partyapp.extensions import db
from partyapp.ratings import entries, scoring
from partyapp.ratings.models import EvaluationRound, ItemKind


def branch_rubric(actor, branch, year=2026):
    rubric = scoring.ensure_branch_rubric(actor, branch, year)
    db.session.commit()
    return rubric


def item_of(rubric, kind, source=None):
    return next(i for i in rubric.items if i.kind == kind and (source is None or i.source == source))


def manual_item(rubric):
    return item_of(rubric, ItemKind.MANUAL)


def deduction_item(rubric):
    return item_of(rubric, ItemKind.DEDUCTION)


def add_hours(actor, branch, person, hours, served_on=date(2026, 6, 1), text="清扫村道"):
    return entries.add_hours(actor, branch, person.id, served_on, hours, text)


def make_round(branch, *, year=2026, quarter=3, closed=False, actor=None):
    from partyapp import clock

    round_ = EvaluationRound(branch_id=branch.id, year=year, quarter=quarter,
                             opened_by_id=getattr(actor, "id", None),
                             closed_at=clock.now() if closed else None)
    db.session.add(round_)
    if not closed:
        from partyapp.ballots import services as ballots

        ballots.open_round(ballots.SATISFACTION, branch.id, year, f"Q{quarter}")
    db.session.commit()
    return round_
