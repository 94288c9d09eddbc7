"""民主评议党员 at the yearly 组织生活会 (004 §6, §20; 002 五): the branch's party members grade
each other member 优秀/合格/基本合格/不合格 through the ONE secret ballot
(partyapp/ballots/services.py, kind DEMOCRATIC_REVIEW); the secretary closes the review (the
ballots are counted, then destroyed with their key); the branch committee confirms each
member's grade with the counts beside it (不合格 only when ticked member by member); the ONE 公示
service (partyapp/notices/services.py) publishes the list. The published grades feed the star
rating's rubric item "民主评议党员" (ratings); the quarterly 满意度测评 stays its own figure.

Results are aggregates, shown only once the review is closed and only with at least
MIN_BALLOTS ballots (fewer would expose a ballot)."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from .. import audit, clock
from ..authz import MEMBER_ROLES
from ..ballots import services as ballots
from ..extensions import db
from ..models import Membership, Organization, Person
from ..notices import services as notices
from ..notify.services import notify
from .models import MemberReview, ReviewGrade, ReviewOutcome

KIND = ballots.DEMOCRATIC_REVIEW
BALLOT_SUBJECT = "member-review"     # the ballot round's subject (one round per branch-year)
NOTICE_SUBJECT = "member-review"     # the 公示's subject
MIN_BALLOTS = 3


def members(branch: Organization) -> list[Person]:
    """Who votes and who is graded: the branch's active party members (groups included), in
    pinyin order."""
    today = clock.today()
    in_branch = select(Organization.id).where(Organization.path.startswith(branch.path))
    return list(db.session.scalars(
        select(Person).join(Membership, Membership.person_id == Person.id)
        .where(Membership.org_id.in_(in_branch), Membership.role.in_(MEMBER_ROLES),
               or_(Membership.ended_on.is_(None), Membership.ended_on > today),
               Person.active, Person.party_status.is_not(None))
        .distinct().order_by(Person.name_pinyin, Person.id)))


def review_by_id(review_id: int) -> MemberReview | None:
    return db.session.get(MemberReview, review_id)


def branch_reviews(branch_id: int) -> list[MemberReview]:
    return list(db.session.scalars(select(MemberReview).where(MemberReview.branch_id == branch_id)
                                   .order_by(MemberReview.year.desc())))


def _box(review: MemberReview):
    return ballots.find_round(KIND, review.branch_id, review.year, BALLOT_SUBJECT)


def open_review(actor, branch: Organization, year: int) -> MemberReview | str:
    """Open the year's review (one per branch and year) and tell the members. Commits."""
    if not 2000 <= year <= 2100:
        return "年份不正确"
    if db.session.scalar(select(MemberReview.id).where(MemberReview.branch_id == branch.id,
                                                       MemberReview.year == year)):
        return f"{year}年的民主评议党员已经开过了"
    voters = members(branch)
    if len(voters) < MIN_BALLOTS:
        return f"党员少于 {MIN_BALLOTS} 人，无法无记名评议"
    review = MemberReview(branch_id=branch.id, year=year, opened_by_id=actor.id)
    db.session.add(review)
    db.session.flush()
    ballots.open_round(KIND, branch.id, year, BALLOT_SUBJECT)
    audit.record(actor, "orglife.review_open", "orglife_review", review.id, org_id=branch.id,
                 year=year)
    notify([p.id for p in voters], f"请参加{review.label}", "在组织生活会上无记名评议，每人一票。",
           f"/orglife/reviews/{review.id}")
    db.session.commit()
    return review


def is_voter(review: MemberReview, person_id: int) -> bool:
    return any(p.id == person_id for p in members(review.branch))


def has_voted(review: MemberReview, person_id: int) -> bool:
    box = _box(review)
    return box is not None and ballots.has_voted(box.id, person_id)


def ratees_for(review: MemberReview, voter: Person) -> list[Person]:
    return [p for p in members(review.branch) if p.id != voter.id]


def cast_ballot(voter: Person, review: MemberReview, grades: dict[int, str]) -> str | None:
    """Check one ballot and hand it to the ballot service; returns an error or None."""
    if review.closed_at is not None:
        return "本次民主评议已经结束"
    if voter.id in grades:
        return "不能评议自己"
    if set(grades) != {p.id for p in ratees_for(review, voter)}:
        return "请为名单上的每一位党员选择一个等次"
    if any(grade not in ReviewGrade.LABELS for grade in grades.values()):
        return "等次不正确"
    box = _box(review)
    if box is None:
        return "本次评议没有票箱，请联系支部书记"
    return ballots.cast(box, voter.id, grades)


def close_review(actor, review: MemberReview) -> str | None:
    """End the voting: the ballot service counts and destroys the ballots (it commits)."""
    if review.closed_at is not None:
        return "本次民主评议已经结束"
    review.closed_at = clock.now()
    audit.record(actor, "orglife.review_close", "orglife_review", review.id,
                 org_id=review.branch_id)
    box = _box(review)
    if box is None:               # a review without a ballot box (never voted in)
        db.session.commit()
        return None
    outcome = ballots.close(actor, box)
    if isinstance(outcome, str):
        db.session.rollback()
        return outcome
    return None


def results(review: MemberReview) -> dict:
    """Aggregates only: ballots cast and, per member, the number of each grade (withheld when
    fewer than MIN_BALLOTS ballots were cast or the review is still open)."""
    box = _box(review)
    cast = ballots.ballots_cast(box) if box else 0
    if review.closed_at is None or box is None or cast < MIN_BALLOTS:
        return {"ballots": cast, "per_member": {}, "withheld": True}
    return {"ballots": cast, "per_member": ballots.results([box.id]).get(box.id, {}),
            "withheld": False}


@dataclass
class Proposal:
    person: Person
    counts: dict[str, int]

    @property
    def proposed(self) -> str | None:
        """The grade most ballots gave (a tie goes to the better grade); None without votes."""
        if not self.counts:
            return None
        return max(ReviewGrade.ORDER, key=lambda g: (self.counts.get(g, 0),
                                                     -ReviewGrade.ORDER.index(g)))

    @property
    def default(self) -> str:
        """What the form starts with: never 不合格 (that is the committee's own choice)."""
        return self.proposed if self.proposed not in (None, ReviewGrade.POOR) else ""


def proposals(review: MemberReview) -> list[Proposal]:
    found = results(review)
    if found["withheld"]:
        return []
    return [Proposal(p, found["per_member"].get(p.id, {})) for p in members(review.branch)
            if p.id in found["per_member"]]


def latest_notice(review: MemberReview):
    return notices.latest(review.branch_id, NOTICE_SUBJECT, review.year)


def confirm_and_publish(actor, review: MemberReview, chosen: dict[int, str],
                        poor_confirmed: set[int], notice_days: int = notices.DEFAULT_NOTICE_DAYS):
    """The branch confirms each member's grade, then the 公示 service publishes. Commits.
    Returns the notice or an error."""
    if review.closed_at is None:
        return "评议结束、计票之后才能确认结果"
    listed = proposals(review)
    if not listed:
        return f"投票少于 {MIN_BALLOTS} 张或没有汇总结果，不能确认公示"
    if set(chosen) != {m.person.id for m in listed}:
        return "请为名单上的每一位党员确认一个等次"
    if any(grade not in ReviewGrade.LABELS for grade in chosen.values()):
        return "等次不正确"
    unconfirmed = [m.person.name for m in listed
                   if chosen[m.person.id] == ReviewGrade.POOR and m.person.id not in poor_confirmed]
    if unconfirmed:
        return f"评为不合格须由支委会逐人确认：请勾选“确认评为不合格”（{'、'.join(unconfirmed)}）"
    notice = notices.publish(actor, review.branch_id, review.year, NOTICE_SUBJECT,
                             f"{review.label}结果公示", notice_days)
    if isinstance(notice, str):
        return notice
    db.session.add_all(ReviewOutcome(review_id=review.id, notice_id=notice.id,
                                     person_id=m.person.id, grade=chosen[m.person.id],
                                     proposed=m.proposed, confirmed_by_id=actor.id)
                       for m in listed)
    audit.record(actor, "orglife.review_confirm", "orglife_review", review.id,
                 org_id=review.branch_id, members=len(listed))
    notify([m.person.id for m in listed], notice.title,
           f"公示期至 {notice.ends_on.isoformat()}，有异议可在公示期内向支部提出。",
           f"/orglife/reviews/{review.id}#outcomes")
    db.session.commit()
    return notice


def outcomes_of(notice_id: int) -> list[ReviewOutcome]:
    rows = db.session.scalars(select(ReviewOutcome).where(ReviewOutcome.notice_id == notice_id)
                              .options(selectinload(ReviewOutcome.person)))
    return sorted(rows, key=lambda o: (o.person.name_pinyin, o.person.id))


def visible_outcomes(notice, viewer_id: int, sees_all: bool) -> list[ReviewOutcome]:
    """Officers and the town see the list; members see it while the notice runs, and their own
    grade always."""
    rows = outcomes_of(notice.id)
    if sees_all or notice.is_open(clock.today()):
        return rows
    return [o for o in rows if o.person_id == viewer_id]


def year_grades(branch_id: int, year: int) -> dict[int, str]:
    """{person id: grade} of the branch's latest published 民主评议 of the year (for the star
    rating's rubric item). Two queries."""
    notice = notices.latest(branch_id, NOTICE_SUBJECT, year)
    if notice is None:
        return {}
    rows = db.session.execute(select(ReviewOutcome.person_id, ReviewOutcome.grade)
                              .where(ReviewOutcome.notice_id == notice.id))
    return {person_id: grade for person_id, grade in rows}


def branch_counts(branch_ids, year: int) -> dict[int, dict]:
    """Per branch: whether the year's review was held and closed, and how many members were
    published at each grade (for the town: branches compared, never people). Three queries."""
    found = {bid: {"review": None, "grades": Counter()} for bid in branch_ids}
    if not found:
        return found
    for review in db.session.scalars(select(MemberReview).where(
            MemberReview.branch_id.in_(list(found)), MemberReview.year == year)):
        found[review.branch_id]["review"] = review
    from ..notices.models import Notice

    latest: dict[int, int] = {}
    for notice_id, branch_id in db.session.execute(
            select(Notice.id, Notice.branch_id).where(
                Notice.branch_id.in_(list(found)), Notice.year == year,
                Notice.subject == NOTICE_SUBJECT).order_by(Notice.published_at, Notice.id)):
        latest[branch_id] = notice_id
    if latest:
        branch_of = {n: b for b, n in latest.items()}
        for notice_id, grade in db.session.execute(
                select(ReviewOutcome.notice_id, ReviewOutcome.grade)
                .where(ReviewOutcome.notice_id.in_(list(branch_of)))):
            found[branch_of[notice_id]]["grades"][grade] += 1
    return found


def todo_items(person) -> list:
    """首页: open reviews of the person's branches where they have not voted yet."""
    from ..main.services import TodoItem

    branch_ids = {m.org.id if m.org.kind in ("branch", "general") else m.org.parent_id
                  for m in _memberships(person) if m.role in MEMBER_ROLES}
    branch_ids.discard(None)
    if not branch_ids:
        return []
    voted = ballots.voted_subjects(KIND, person.id, branch_ids)
    reviews = db.session.scalars(select(MemberReview).where(
        MemberReview.branch_id.in_(branch_ids), MemberReview.closed_at.is_(None)))
    return [TodoItem(f"参加{r.label}", f"/orglife/reviews/{r.id}", "无记名", r.opened_at)
            for r in reviews if (r.branch_id, r.year, BALLOT_SUBJECT) not in voted]


def _memberships(person):
    from ..authz import active_memberships

    return active_memberships(person)
