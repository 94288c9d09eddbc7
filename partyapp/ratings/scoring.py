"""The rubric (copied from a town default) and the score of each member, item by item.

A branch's scores are computed with a fixed number of queries whatever its size: members with
their 两委 flag (1; 1 more for the committee when the people are given), rubric with items and
thresholds (1), attendance (1), commitments (1), opinions (1; none when no 两委 member is
scored), service hours (1), satisfaction
grades (1), entries (1), exemptions (1).

Rules (shown to members on the breakdown page):
- attendance: points = max × present ÷ (expected − approved leave); no meeting expected → full;
- commitments: points = max × kept ÷ due this year; none due → 0 (every member makes one);
- opinions (两委 members only): max × answered on time ÷ assigned ones already due (first
  round); not a 两委 member, or none due → full;
- service hours: hours × points per hour, capped at max;
- satisfaction: max × average grade value (优秀 1, 合格 0.8, 基本合格 0.5, 不合格 0) over the
  year's closed rounds; no grade yet → full;
- manual items: sum of the live entries, capped at max; deductions: minus the sum, capped;
- an exemption by branch decision gives the item's full points.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import joinedload

from .. import audit, clock
from ..authz import MEMBER_ROLES
from ..ballots import services as ballots
from ..extensions import db
from ..models import Membership, Organization, Person, Role
from .models import (Exemption, Grade, ItemKind, Rubric, RubricItem, ScoreEntry, ServiceHours,
                     Source, StarThreshold)

# (kind, source, label, max points, points per unit)
DEFAULT_ITEMS = [
    (ItemKind.AUTO, Source.ATTENDANCE, "参加三会一课、主题党日", 12, None),
    (ItemKind.AUTO, Source.COMMITMENTS, "承诺事项兑现", 8, None),
    (ItemKind.AUTO, Source.OPINIONS, "群众意见按时答复（两委成员）", 5, None),
    (ItemKind.AUTO, Source.SERVICE_HOURS, "志愿服务时长", 5, 0.5),
    (ItemKind.AUTO, Source.SATISFACTION, "党员满意度测评", 10, None),
    (ItemKind.MANUAL, None, "先锋模范作用（支委会评定）", 10, None),
    (ItemKind.DEDUCTION, None, "违反红线扣分", 60, None),
]
DEFAULT_BASE = 60
DEFAULT_THRESHOLDS = {5: 96, 4: 90, 3: 80, 2: 70, 1: 60}
STAR_LABELS = {0: "不合格", 1: "一星", 2: "二星", 3: "三星", 4: "四星", 5: "五星"}


# ---- rubric -----------------------------------------------------------------------------------
def find_rubric(branch: Organization, year: int) -> Rubric | None:
    """The branch's rubric for the year, else the town's default, with its items and
    thresholds (one query: a rubric has a handful of each). Only the chosen rubric is joined
    to its items and thresholds — the other one would multiply the rows for nothing."""
    own_first = case((Rubric.org_id == branch.id, 0), else_=1)
    return db.session.scalars(
        select(Rubric).where(Rubric.org_id.in_([branch.id, branch.town_id]), Rubric.year == year)
        .order_by(own_first).limit(1)
        .options(joinedload(Rubric.items), joinedload(Rubric.thresholds))).unique().first()


def ensure_town_default(town_id: int, year: int) -> Rubric:
    rubric = db.session.scalar(select(Rubric).where(Rubric.org_id == town_id, Rubric.year == year))
    if rubric is not None:
        return rubric
    rubric = Rubric(org_id=town_id, year=year, base_score=DEFAULT_BASE)
    db.session.add(rubric)
    db.session.flush()
    for position, (kind, source, label, max_points, per_unit) in enumerate(DEFAULT_ITEMS):
        db.session.add(RubricItem(rubric_id=rubric.id, position=position, kind=kind, source=source,
                                  label=label, max_points=max_points, points_per_unit=per_unit))
    for stars, min_score in DEFAULT_THRESHOLDS.items():
        db.session.add(StarThreshold(rubric_id=rubric.id, stars=stars, min_score=min_score))
    db.session.flush()
    return rubric


def ensure_branch_rubric(actor, branch: Organization, year: int) -> Rubric:
    """The branch's own rubric, copied from the town default the first time (audited)."""
    own = db.session.scalar(select(Rubric).where(Rubric.org_id == branch.id, Rubric.year == year))
    if own is not None:
        return own
    default = ensure_town_default(branch.town_id, year)
    own = Rubric(org_id=branch.id, year=year, base_score=default.base_score,
                 copied_from_id=default.id)
    db.session.add(own)
    db.session.flush()
    for item in default.items:
        db.session.add(RubricItem(rubric_id=own.id, position=item.position, kind=item.kind,
                                  source=item.source, label=item.label,
                                  max_points=item.max_points, points_per_unit=item.points_per_unit))
    for threshold in default.thresholds:
        db.session.add(StarThreshold(rubric_id=own.id, stars=threshold.stars,
                                     min_score=threshold.min_score))
    db.session.flush()
    db.session.refresh(own)
    audit.record(actor, "rating.rubric_copy", "rating_rubric", own.id, org_id=branch.id, year=year)
    return own


def adopt_default_rubric(actor, branch: Organization, year: int) -> Rubric:
    """The branch takes the town default as its own rubric for the year (commits)."""
    own = ensure_branch_rubric(actor, branch, year)
    db.session.commit()
    return own


def update_rubric(actor, rubric: Rubric, base: int, maxima: dict[int, int],
                  thresholds: dict[int, int]) -> None:
    before = _rubric_summary(rubric)
    rubric.base_score = base
    for item in rubric.items:
        if item.id in maxima:
            item.max_points = maxima[item.id]
    for threshold in rubric.thresholds:
        if threshold.stars in thresholds:
            threshold.min_score = thresholds[threshold.stars]
    audit.record(actor, "rating.rubric_update", "rating_rubric", rubric.id, org_id=rubric.org_id,
                 before=before, after=_rubric_summary(rubric))
    db.session.commit()


def _rubric_summary(rubric: Rubric) -> dict:
    return {"base": rubric.base_score, "items": {i.label: i.max_points for i in rubric.items},
            "stars": {t.stars: t.min_score for t in rubric.thresholds}}


def stars_for(score: float, thresholds) -> int:
    return _stars(score, [(t.min_score, t.stars) for t in thresholds])


def _stars(score: float, pairs) -> int:
    """The most stars whose (min_score, stars) line the score reaches; 0: 不合格."""
    return max((stars for low, stars in pairs if score >= low), default=0)


# ---- members ---------------------------------------------------------------------------------
def _active():
    today = clock.today()
    return or_(Membership.ended_on.is_(None), Membership.ended_on > today)


def _orgs_of(branch: Organization):
    """The branch and its groups, as ids: memberships are then read through their org index
    (joining each membership to its organisation read every membership in the county)."""
    return select(Organization.id).where(Organization.path.startswith(branch.path))


def _members_query(branch: Organization, *columns):
    """The branch's members (whole Person rows unless `columns` are given), pinyin order."""
    return (select(*(columns or (Person,))).join(Membership, Membership.person_id == Person.id)
            .where(Membership.org_id.in_(_orgs_of(branch)), Membership.role.in_(MEMBER_ROLES),
                   _active(), Person.active, Person.party_status.is_not(None))
            .distinct().order_by(Person.name_pinyin, Person.id))


def branch_members(branch: Organization) -> list[Person]:
    """The branch's party members (groups included), in pinyin order — never by score."""
    return list(db.session.scalars(_members_query(branch)))


def _committee_query(branch: Organization):
    return (select(Membership.person_id)
            .where(Membership.org_id.in_(_orgs_of(branch)), Membership.role == Role.COMMITTEE,
                   _active()))


def committee_ids(branch: Organization) -> set[int]:
    return set(db.session.scalars(_committee_query(branch)))


class Member(NamedTuple):
    """A member as the overview lists them: the overview needs no more than the id and name,
    and whole Person rows for every member cost more than the query itself."""

    id: int
    name: str


def members_and_committee(branch: Organization) -> tuple[list[Member], set[int]]:
    """branch_members (as Member rows) and committee_ids in one query (each with a 两委 flag).
    name_pinyin is selected because SELECT DISTINCT must carry what it is ordered by."""
    is_committee = Person.id.in_(_committee_query(branch).scalar_subquery())
    rows = db.session.execute(_members_query(
        branch, Person.id, Person.name, Person.name_pinyin, is_committee)).all()
    return [Member(pid, name) for pid, name, _, _ in rows], {
        pid for pid, _, _, flag in rows if flag}


# ---- figures from the records (one grouped query each) ------------------------------------------
def opinions_on_time(person_ids, year: int) -> dict[int, tuple[int, int]]:
    """Per assignee: (opinions whose first deadline fell in `year` and has passed or that were
    answered, how many of them were first answered by that deadline). Read through
    ix_opinion_assignee_due alone: the people's own opinions of the year, nobody else's."""
    from ..opinions.models import Opinion

    start = clock.local_datetime(date(year, 1, 1))
    end = clock.local_datetime(date(year + 1, 1, 1))
    ids = list(person_ids)
    if not ids:
        return {}
    on_time = and_(Opinion.first_replied_at.is_not(None),
                   Opinion.first_replied_at <= Opinion.first_due_at)
    rows = db.session.execute(
        select(Opinion.assignee_id, func.count(), func.sum(case((on_time, 1), else_=0)))
        .where(Opinion.assignee_id.in_(ids), Opinion.first_due_at >= start,
               Opinion.first_due_at < end,
               or_(Opinion.first_due_at <= clock.now(), Opinion.first_replied_at.is_not(None)))
        .group_by(Opinion.assignee_id))
    return {pid: (count, int(kept or 0)) for pid, count, kept in rows}


def service_hours(person_ids, year: int) -> dict[int, float]:
    rows = db.session.execute(
        select(ServiceHours.person_id, func.sum(ServiceHours.hours))
        .where(ServiceHours.person_id.in_(list(person_ids)), ServiceHours.revoked_at.is_(None),
               ServiceHours.served_on.between(date(year, 1, 1), date(year, 12, 31)))
        .group_by(ServiceHours.person_id))
    return {pid: float(total or 0) for pid, total in rows}


def satisfaction_grades(branch_id: int, year: int) -> dict[int, dict[str, int]]:
    """Per member: how many of each grade in the branch's CLOSED (tallied) rounds of the year."""
    return ballots.year_totals(ballots.SATISFACTION, branch_id, year)


def grade_average(counts: dict[str, int]) -> float | None:
    total = sum(counts.values())
    if not total:
        return None
    return sum(Grade.VALUES[g] * n for g, n in counts.items() if g in Grade.VALUES) / total


def aggregate_grade(counts: dict[str, int]) -> str | None:
    """The aggregate grade: 优秀 ≥ 0.9, 合格 ≥ 0.7, 基本合格 ≥ 0.5, else 不合格."""
    average = grade_average(counts)
    if average is None:
        return None
    for floor, grade in ((0.9, Grade.EXCELLENT), (0.7, Grade.GOOD), (0.5, Grade.FAIR)):
        if average >= floor - 1e-9:
            return grade
    return Grade.POOR


def aggregate_label(counts: dict[str, int]) -> str:
    grade = aggregate_grade(counts)
    return Grade.LABELS[grade] if grade else "暂无"


# ---- scores -------------------------------------------------------------------------------------
# Slotted: the overview makes one MemberScore and seven ItemScores per member.
@dataclass(slots=True)
class ItemScore:
    item: RubricItem
    points: float
    detail: str
    exemption: Exemption | None = None
    entries: Sequence[ScoreEntry] = ()


@dataclass(slots=True)
class MemberScore:
    person: Person | Member
    base: int
    items: list[ItemScore]
    total: float
    stars: int

    @property
    def stars_label(self) -> str:
        return STAR_LABELS[self.stars]


@dataclass(frozen=True)
class Rule:
    """A rubric item's settings as plain values. Read once per page: ORM attribute reads,
    repeated for every member and item (a hundred members × seven items), cost more than the
    arithmetic."""

    item: RubricItem
    id: int
    kind: str
    source: str | None
    max_points: int
    points_per_unit: float | None

    @classmethod
    def of(cls, item: RubricItem) -> Rule:
        return cls(item, item.id, item.kind, item.source, item.max_points, item.points_per_unit)


@dataclass
class Records:
    """Everything the scores of a set of members are computed from."""

    rules: list[Rule]
    base: int
    thresholds: list[tuple[int, int]]   # (min_score, stars)
    year: int
    committee: set
    attendance: dict
    commitments: dict
    opinions: dict
    hours: dict
    grades: dict
    entries: dict        # (item_id, person_id) -> [ScoreEntry]
    exemptions: dict     # (item_id, person_id) -> Exemption


def load_records(branch: Organization, rubric: Rubric, people, year: int,
                 committee: set | None = None) -> Records:
    from ..disclosures.services import commitments_kept
    from ..meetings.services import attendance_summary

    ids = [p.id for p in people]
    item_ids = [item.id for item in rubric.items]
    entries: dict = {}
    for entry in db.session.scalars(select(ScoreEntry).where(
            ScoreEntry.item_id.in_(item_ids), ScoreEntry.person_id.in_(ids),
            ScoreEntry.revoked_at.is_(None)).order_by(ScoreEntry.entered_at)):
        entries.setdefault((entry.item_id, entry.person_id), []).append(entry)
    exemptions = {(e.item_id, e.person_id): e for e in db.session.scalars(select(Exemption).where(
        Exemption.item_id.in_(item_ids), Exemption.person_id.in_(ids),
        Exemption.revoked_at.is_(None)))}
    committee = committee_ids(branch) if committee is None else committee
    return Records(
        rules=[Rule.of(item) for item in rubric.items], base=rubric.base_score,
        thresholds=[(t.min_score, t.stars) for t in rubric.thresholds],
        year=year, committee=committee,
        attendance=attendance_summary(ids, date(year, 1, 1), date(year, 12, 31)),
        commitments=commitments_kept(ids, year),
        # only 两委 members are scored on opinions: nobody else's are read
        opinions=opinions_on_time([pid for pid in ids if pid in committee], year),
        hours=service_hours(ids, year), grades=satisfaction_grades(branch.id, year),
        entries=entries, exemptions=exemptions)


def score_member(person: Person | Member, records: Records) -> MemberScore:
    pid = person.id
    items = [score_item(rule, pid, records) for rule in records.rules]
    total = round(records.base + sum(i.points for i in items), 1)
    return MemberScore(person, records.base, items, total, _stars(total, records.thresholds))


def score_item(rule: Rule, pid: int, records: Records) -> ItemScore:
    key = (rule.id, pid)
    exemption = records.exemptions.get(key)
    if exemption is not None and rule.kind != ItemKind.DEDUCTION:
        return ItemScore(rule.item, float(rule.max_points),
                         f"经支部决定免于考核（{exemption.decision_text}），按满分计", exemption)
    if rule.kind == ItemKind.AUTO:
        points, detail = AUTO_RULES[rule.source](rule, pid, records)
        return ItemScore(rule.item, round(points, 1), detail)
    entries = records.entries.get(key, ())
    total = min(rule.max_points, sum(e.points for e in entries))
    if rule.kind == ItemKind.DEDUCTION:
        detail = f"扣分 {len(entries)} 项" if entries else "无扣分"
        return ItemScore(rule.item, -float(total) if total else 0.0, detail, entries=entries)
    return ItemScore(rule.item, float(total), f"评分 {len(entries)} 项" if entries else "暂无评分",
                     entries=entries)


def _attendance(item, pid, records):
    """Meetings under a standing exemption (approved by the secretary) are not in 应到: the
    rubric's exemption rule, so a member exempted all year gets full points."""
    counts = records.attendance[pid]
    counted = counts.expected - counts.on_leave
    exempt = f"，经批准免于参加 {counts.exempt} 次（不计入）" if counts.exempt else ""
    if counted <= 0:
        if counts.exempt:
            return item.max_points, f"本年经批准免于参加会议 {counts.exempt} 次，按满分计"
        return item.max_points, "本年没有需要参加的会议，按满分计"
    rate = counts.present / counted
    return (item.max_points * rate,
            f"应到 {counts.expected} 次，请假 {counts.on_leave} 次，实到 {counts.present} 次，"
            f"出勤率 {rate:.0%}{exempt}")


def _commitments(item, pid, records):
    kept = records.commitments[pid]
    if not kept.due:
        return 0, "本年没有到期的承诺事项"
    return item.max_points * kept.kept / kept.due, f"本年到期 {kept.due} 项，已兑现 {kept.kept} 项"


def _opinions(item, pid, records):
    if pid not in records.committee:
        return item.max_points, "不是两委成员，本项不适用，按满分计"
    due, on_time = records.opinions.get(pid, (0, 0))
    if not due:
        return item.max_points, "本年没有到期的交办意见，按满分计"
    return item.max_points * on_time / due, f"交办意见 {due} 件，按时答复 {on_time} 件"


def _service_hours(item, pid, records):
    hours = records.hours.get(pid, 0.0)
    per_unit = item.points_per_unit or 0
    return (min(item.max_points, hours * per_unit),
            f"志愿服务 {hours:g} 小时，每小时 {per_unit:g} 分，最多 {item.max_points} 分")


def _satisfaction(item, pid, records):
    counts = records.grades.get(pid, {})
    average = grade_average(counts)
    if average is None:
        return item.max_points, "本年还没有测评结果，按满分计"
    summary = "、".join(f"{Grade.LABELS[g]} {counts.get(g, 0)}" for g in Grade.ORDER)
    return item.max_points * average, f"测评票数：{summary}（综合：{aggregate_label(counts)}）"


AUTO_RULES = {Source.ATTENDANCE: _attendance, Source.COMMITMENTS: _commitments,
              Source.OPINIONS: _opinions, Source.SERVICE_HOURS: _service_hours,
              Source.SATISFACTION: _satisfaction}


def branch_scores(branch: Organization, year: int, people=None) -> tuple[Rubric | None, list]:
    """Every member's score (pinyin order; each score's person is then a Member: id and
    name), or only `people`'s."""
    rubric = find_rubric(branch, year)
    committee = None
    if people is None:
        people, committee = members_and_committee(branch)
    if rubric is None or not people:
        return rubric, []
    records = load_records(branch, rubric, people, year, committee)
    return rubric, [score_member(person, records) for person in people]
