"""Rules of the disclosures feature, as plain functions, and the hooks other parts call.

The rules live in focused modules: commitments.py (承诺事项, 一月一督查, 考核), reviews.py
(一季一评议), decisions.py and procedures.py (四议两公开 and its variants, as data),
public.py (the public village tabs). This module is the feature's front door.
"""
from __future__ import annotations

from .. import authz
from ..main.services import TodoItem
from .commitments import (CommitmentAlert, KeptCount, commitment_alerts,  # noqa: F401
                          commitment_figures, commitments_kept, progress_due_for)
from .decisions import meeting_attendance  # noqa: F401
from .reviews import open_rounds_to_vote


def public_tab(tab, village, query) -> dict | None:
    """Fills the public village tabs commitments / decisions / results."""
    from .public import public_tab as build

    return build(tab, village, query)


def todo_items(person) -> list[TodoItem]:
    """Owner: this month's progress update is due. Voter: an open review round. Three queries."""
    items = [TodoItem(title=f"请更新承诺进展：{title}", link=f"/disclosures/c/{cid}",
                      detail="一月一督查：本月还没有填写进展")
             for cid, title in progress_due_for(person.id)]
    voter_branches = [org.id for org in authz.orgs_where(person, "review.vote")
                      if org.kind in ("branch", "general")]
    voter_branches += [org.parent_id for org in authz.orgs_where(person, "review.vote")
                       if org.kind == "group" and org.parent_id]
    if voter_branches:
        items += [TodoItem(title=f"请参加{review.label}", link=f"/disclosures/r/{review.id}",
                           detail="为本村承诺事项打分：好 / 较好 / 一般 / 差")
                  for review in open_rounds_to_vote(person, voter_branches)]
    return items


def me_section(person):
    """我的: the person's own commitments with their progress (one query, none if empty)."""
    from sqlalchemy import select

    from ..extensions import db
    from .models import Commitment

    mine = list(db.session.scalars(select(Commitment).where(Commitment.owner_id == person.id)
                                   .order_by(Commitment.due_on)))
    if not mine:
        return None
    return "disclosures/_me_section.html", {"commitments": mine}
