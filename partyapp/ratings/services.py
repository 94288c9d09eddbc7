"""Rules of the ratings feature (评星定级), and the hooks other parts call.

The rules live in focused modules: scoring.py (rubric, items, the score of each member),
entries.py (manual scores, deductions, service hours, exemptions), evaluation.py (quarterly
satisfaction evaluation, secret ballot), notice.py (公示 and objections). This is the front door.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from .. import authz, clock
from ..extensions import db
from ..main.services import TodoItem
from ..models import Organization, Person
from .evaluation import open_rounds_for  # noqa: F401
from .notice import latest_result_for, objections_to_answer
from .scoring import STAR_LABELS, branch_scores  # noqa: F401


def member_branch(person: Person) -> Organization | None:
    """The branch whose member (or villager rep) the person is."""
    return authz.home_branch(person)


def my_score(person: Person, year: int):
    """(rubric, MemberScore | None) for the person in their own branch."""
    branch = member_branch(person)
    if branch is None or not person.is_party_member:
        return None, None
    rubric, scores = branch_scores(branch, year, people=[person])
    return rubric, (scores[0] if scores else None)


def todo_items(person) -> list[TodoItem]:
    """A ballot waiting for the person; objections waiting for a secretary. Two queries."""
    branch = member_branch(person)
    items = []
    if branch is not None and (person.is_party_member or person.is_villager_rep):
        items += [TodoItem(f"请参加{r.label}", f"/ratings/rounds/{r.id}",
                           "给本支部党员评定：优秀 / 合格 / 基本合格 / 不合格（无记名）")
                  for r in open_rounds_for(person, [branch.id])]
    managed = [org.id for org in authz.orgs_where(person, "rating.manage")
               if org.kind in ("branch", "general")]
    items += [TodoItem(f"答复{'评星' if o.notice.subject == 'stars' else '测评'}异议：{o.person.name}",
                       f"/ratings/p/{o.notice_id}" if o.notice.subject == "stars"
                       else f"/ratings/objections/{o.id}",
                       o.reason[:40], o.lodged_at) for o in objections_to_answer(managed)]
    return items


@dataclass
class ECard:
    """亮身份、亮职责、亮承诺 — the member's e-card on 我的."""

    person: Person
    branch: Organization | None
    party_years: int | None
    stars: int | None
    stars_source: str
    commitments: list


def party_years(joined: date | None, today: date) -> int | None:
    if joined is None:
        return None
    return today.year - joined.year - ((today.month, today.day) < (joined.month, joined.day))


def e_card(person: Person) -> ECard:
    """Stars come from the latest 公示 (published result), else they are not shown. Two
    queries (latest result, open commitments)."""
    from ..disclosures.models import Commitment, CommitmentStatus

    result = latest_result_for(person.id)
    stars, source = None, ""
    if result is not None:
        publication = result.publication
        stars = result.stars
        state = "已确定" if publication.is_final(clock.today()) else "公示中"
        source = f"{publication.year}年评定（{state}）"
    commitments = list(db.session.scalars(
        select(Commitment).where(Commitment.owner_id == person.id,
                                 Commitment.status.in_(CommitmentStatus.OPEN))
        .order_by(Commitment.due_on).limit(5)))
    return ECard(person, member_branch(person), party_years(person.joined_party_on, clock.today()),
                 stars, source, commitments)


def me_section(person):
    """我的: the e-card (the check-in code stays in the meetings block, linked from here)."""
    if not person.is_party_member:
        return None
    return "ratings/_me_section.html", {"card": e_card(person), "star_labels": STAR_LABELS,
                                        "identity": True}


def stars_distribution(branch_ids, year: int) -> dict[int, dict[int, int]]:
    """For the town dashboard: {branch_id: {stars: members}} from each branch's latest 公示
    of the year (0 = 不合格). Counts only — no ranking of people. One query: every publication
    of the year with its counts per star level, the latest one per branch kept."""
    from sqlalchemy import func

    from .models import Publication, PublishedResult

    rows = db.session.execute(
        select(Publication.id, Publication.branch_id, PublishedResult.stars, func.count())
        .outerjoin(PublishedResult, PublishedResult.publication_id == Publication.id)
        .where(Publication.branch_id.in_(list(branch_ids)), Publication.year == year,
               Publication.subject == "stars")
        .group_by(Publication.id, Publication.branch_id, Publication.published_at,
                  PublishedResult.stars)
        .order_by(Publication.published_at, Publication.id))
    latest: dict[int, int] = {}
    by_publication: dict[int, dict[int, int]] = {}
    for publication_id, branch_id, stars, count in rows:
        latest[branch_id] = publication_id
        if stars is not None:
            by_publication.setdefault(publication_id, {})[stars] = count
    return {branch_id: by_publication[pid] for branch_id, pid in latest.items()
            if pid in by_publication}
