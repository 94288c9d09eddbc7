"""公示 of the star rating: the branch publishes the year's results (a snapshot) through the
公示 service (partyapp/notices, subject "stars"): a notice period counted in working days,
final once it is over (computed from the clock, no job), objections lodged during the period
and answered by the secretary. This module adds the snapshot and tells the people concerned."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import clock
from ..extensions import db
from ..models import Organization, Person
from ..notices import services as notices
from .models import Objection, Publication, PublishedResult
from .scoring import branch_scores

DEFAULT_NOTICE_DAYS = notices.DEFAULT_NOTICE_DAYS
STARS = "stars"     # the 公示 subject of the yearly star rating


def publish(actor, branch: Organization, year: int,
            notice_days: int = DEFAULT_NOTICE_DAYS) -> Publication | str:
    if not 1 <= notice_days <= 30:
        return "公示期应为 1 到 30 个工作日"
    rubric, scores = branch_scores(branch, year)
    if rubric is None or not scores:
        return "本年还没有评星细则或党员名单，无法公示"
    publication = notices.publish(actor, branch.id, year, STARS, f"{year}年评星结果公示",
                                  notice_days)
    if isinstance(publication, str):
        return publication
    db.session.add_all(PublishedResult(publication_id=publication.id, person_id=s.person.id,
                                       score=s.total, stars=s.stars) for s in scores)
    _tell_members(publication, [s.person.id for s in scores])
    db.session.commit()
    return publication


def _tell_members(publication: Publication, person_ids: list[int]) -> None:
    from ..notify.services import notify

    notify(person_ids, f"{publication.year}年党员评星结果公示",
           f"公示期至 {publication.ends_on.isoformat()}，有异议可在公示期内提出。",
           f"/ratings/p/{publication.id}")


def publication_with_results(publication_id: int) -> Publication | None:
    """A star-rating publication (None for another feature's notice)."""
    publication = notices.notice_by_id(publication_id)
    return publication if publication is not None and publication.subject == STARS else None


def results_of(publication: Publication) -> list[PublishedResult]:
    return list(db.session.scalars(
        select(PublishedResult).where(PublishedResult.publication_id == publication.id)
        .options(selectinload(PublishedResult.person))))


def sorted_results(publication: Publication) -> list[PublishedResult]:
    """In pinyin order of names — a list, never a ranking."""
    return sorted(results_of(publication), key=lambda r: (r.person.name_pinyin, r.person.id))


def latest_publication(branch_id: int, year: int | None = None) -> Publication | None:
    return notices.latest(branch_id, STARS, year)


def latest_result_for(person_id: int) -> PublishedResult | None:
    return db.session.scalar(
        select(PublishedResult).join(Publication)
        .where(PublishedResult.person_id == person_id, Publication.subject == STARS)
        .options(selectinload(PublishedResult.publication))
        .order_by(Publication.published_at.desc(), Publication.id.desc()).limit(1))


def lodge_objection(person: Person, publication: Publication, reason: str) -> Objection | str:
    objection = notices.lodge_objection(person, publication, reason)
    if isinstance(objection, str):
        return objection
    _tell_secretary(publication)
    db.session.commit()
    return objection


def _tell_secretary(publication: Publication) -> None:
    from ..notify.services import notify
    from ..opinions.services import branch_secretary_id

    secretary_id = branch_secretary_id(publication.branch_id)
    if secretary_id:
        notify([secretary_id], "评星公示收到异议", "请在公示页查看并答复。",
               f"/ratings/p/{publication.id}")


def answer_objection(actor, objection: Objection, answer: str,
                     link: str | None = None) -> str | None:
    """Answer an objection to a ratings 公示 (the star rating's, or a round's outcomes)."""
    error = notices.answer_objection(actor, objection, answer)
    if error:
        return error
    from ..notify.services import notify

    title = "你对评星公示的异议已答复" if objection.notice.subject == STARS else "你对测评结果公示的异议已答复"
    notify([objection.person_id], title, answer[:200], link or f"/ratings/p/{objection.notice_id}")
    db.session.commit()
    return None


def objections_of(publication_id: int) -> list[Objection]:
    return notices.objections_of(publication_id)


def objections_to_answer(branch_ids: list[int]) -> list[Objection]:
    """Open objections to the star rating's and the satisfaction rounds' 公示."""
    return [o for o in notices.objections_to_answer(branch_ids)
            if o.notice.subject == STARS or o.notice.subject.startswith("satisfaction-")]


def stars_by_branch(branch_ids, year: int) -> tuple[dict[int, Publication], dict[int, dict[int, int]]]:
    """Each branch's latest 公示 of the year, and {branch_id: {stars: members}} from it
    (0 stars = 不合格). Branches are compared, people never. Two queries."""
    from sqlalchemy import func

    latest: dict[int, Publication] = {}
    for publication in db.session.scalars(
            select(Publication).where(Publication.branch_id.in_(list(branch_ids)),
                                      Publication.year == year, Publication.subject == STARS)
            .order_by(Publication.published_at, Publication.id)):
        latest[publication.branch_id] = publication
    branch_of = {p.id: p.branch_id for p in latest.values()}
    counts: dict[int, dict[int, int]] = {}
    if branch_of:
        for publication_id, stars, count in db.session.execute(
                select(PublishedResult.publication_id, PublishedResult.stars, func.count())
                .where(PublishedResult.publication_id.in_(list(branch_of)))
                .group_by(PublishedResult.publication_id, PublishedResult.stars)):
            counts.setdefault(branch_of[publication_id], {})[stars] = count
    return latest, counts


def town_comparison(town: Organization, year: int) -> list[dict]:
    """Branches compared (never people): per branch, its latest publication of the year and how
    many members at each star level. Three queries."""
    branches = list(db.session.scalars(
        select(Organization).where(Organization.path.startswith(town.path),
                                   Organization.kind.in_(("branch", "general")),
                                   Organization.active).order_by(Organization.name)))
    latest, counts = stars_by_branch([b.id for b in branches], year)
    rows = []
    for branch in branches:
        stars = counts.get(branch.id, {})
        rows.append({"branch": branch, "publication": latest.get(branch.id),
                     "stars": [stars.get(level, 0) for level in (5, 4, 3, 2, 1, 0)],
                     "members": sum(stars.values())})
    return rows
