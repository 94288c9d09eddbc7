"""Rules of the town's yearly loop (镇党委年度工作), built on the town's figures (town/services:
the dashboard's compliance, replies, commitments, 堡垒指数), the 公示 service (notices), the
整改清单 (rectification) and the terms / dues / training services.

- 达标创优: automatic items from the records plus manual items with evidence; 达标 when every
  item is met; 创优 among 达标 by CREATE_RULE; 公示 then final; 不达标 → 督导整改 items.
- 软弱涣散: candidates from the bottom share of the 堡垒指数 and from flags; the town lists a
  branch with a reason; the 台账 (problems, measures, 挂点 leader, 第一书记, deadline, monthly
  progress) and 验收销号 with evidence. Seen by the town and that branch's secretary only.
- 挂点 + 一月一研判; 书记后备 (村推镇选) with the 1:2 ratio.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import and_, select, update
from sqlalchemy.orm import joinedload

from .. import audit, clock
from ..authz import can
from ..extensions import db
from ..meetings.services import quarter_range
from ..models import Membership, Organization, OrgKind, Person
from ..notices import services as notices
from ..notify.services import notify
from ..dues.services import town_summary
from ..opinions.services import branch_secretary_id, village_reply_stats
from ..rectification import services as rectification
from ..rectification.models import Source
from ..town import services as town_services
from .models import (Assessment, AssessmentStatus, Consolidation, ConsolidationProgress,
                     Judgement, PostLink, Reserve, ReserveStatus)

NOTICE_SUBJECT = "达标创优"
MAX_TEXT = 1000
MAX_NAME = 40
RESERVE_RATIO = 2                      # 1:2 — two selected reserves per secretary post
SUPERVISION_DAYS = 90                  # 不达标 → 督导整改 items due in 90 days
DEFAULT_WEAK_SHARE = 0.10              # seed 000: about 10 %; 003: at least 5 %
DEFAULT_CREATE_SHARE = 0.20
# The automatic checklist: key -> label and the stated threshold.
AUTO_ITEMS = {
    "meetings": "三会一课、主题党日按期召开（全年各季度达标率均不低于 80%）",
    "replies": "群众意见按时答复（全年按时答复率不低于 90%）",
    "commitments": "承诺事项无超期未兑现",
    "rectification": "整改事项无超期未销号",
    "term": "按期换届（届期未满或已换届）",
    "dues": "党费按月收缴、记录完整（全年交纳率不低于 95%）",
    "training": "书记参加年度轮训",
}
MANUAL_ITEMS = {
    "position": "党群服务阵地规范、开放",
    "satisfaction": "群众满意度测评达到满意",
}
CREATE_RULE = ("创优：达标支部中，第四季度堡垒指数位列全镇达标支部前 {share}%（至少 1 个），"
               "按指数从高到低评定")
ACTION_LABELS = {
    "yearly.assess": "达标创优评定", "yearly.publish": "达标创优结果公示",
    "yearly.finalize": "达标创优结果确定", "yearly.consolidation_list": "列入软弱涣散整顿",
    "yearly.consolidation_progress": "登记整顿进展", "yearly.consolidation_close": "整顿验收销号",
    "yearly.post_link": "调整挂点村", "yearly.judgement": "填写一月一研判",
    "yearly.reserve_recommend": "推荐书记后备", "yearly.reserve_decide": "选定书记后备",
}


class YearlyError(ValueError):
    """A change that may not be made; the message is Chinese."""


def weak_share() -> float:
    return float(current_app.config.get("YEARLY_WEAK_SHARE", DEFAULT_WEAK_SHARE))


def create_share() -> float:
    return float(current_app.config.get("YEARLY_CREATE_SHARE", DEFAULT_CREATE_SHARE))


def create_rule_text() -> str:
    return CREATE_RULE.format(share=round(100 * create_share()))


def _text(value, label: str, low: int = 2, high: int = MAX_TEXT) -> str:
    value = (value or "").strip()
    if not low <= len(value) <= high:
        raise YearlyError(f"{label}请写 {low} 到 {high} 个字")
    return value


def _in_town(town: Organization, branch: Organization) -> None:
    if branch.kind != OrgKind.BRANCH or not branch.path.startswith(town.path):
        raise YearlyError("这个支部不属于本镇")


# ---- 达标创优 ------------------------------------------------------------------------------------
@dataclass
class Item:
    key: str
    label: str
    ok: bool
    detail: str

    def as_dict(self) -> dict:
        return {"key": self.key, "label": self.label, "ok": self.ok, "detail": self.detail}


def auto_items(town: Organization, year: int) -> dict[int, list[Item]]:
    """Each active branch's automatic items for the year, from the town dashboard's queries:
    four quarter boards (compliance) and one year board (replies, dues, training) — a fixed
    number of queries whatever the number of branches."""
    quarters = [town_services.dashboard(town, quarter_range(year, q)) for q in range(1, 5)]
    today = clock.today()
    started = [b for b in quarters if b.quarter.first <= today]
    last = started[-1] if started else quarters[0]
    first, end = date(year, 1, 1), date(year, 12, 31)
    replies = village_reply_stats(last.ids, first, end)
    dues = town_summary(last.ids, first, end)
    missing_rotation = {row.branch.id for row in last.training.missing_rotation}
    terms = {row.org.id: row.state for row in last.terms}
    overdue_items = {org.id: c.overdue for org, c in rectification.town_counts(town)}
    found: dict[int, list[Item]] = {}
    for row in last.rows:
        bid = row.branch.id
        rates = [b.matrix.meeting_rate(bid) for b in started] or [1.0]
        rate = replies.get(bid, {}).get("on_time_rate")
        paid = dues[bid].paid_rate if bid in dues else None
        found[bid] = [
            Item("meetings", AUTO_ITEMS["meetings"], min(rates) >= 0.8,
                 "各季度达标率 " + "、".join(f"{round(100 * r)}%" for r in rates)),
            Item("replies", AUTO_ITEMS["replies"], rate is None or rate >= 90,
                 "没有到期的意见" if rate is None else f"按时答复率 {rate}%"),
            Item("commitments", AUTO_ITEMS["commitments"], row.overdue_alerts == 0,
                 f"超期承诺 {row.overdue_alerts} 项"),
            Item("rectification", AUTO_ITEMS["rectification"], overdue_items.get(bid, 0) == 0,
                 f"超期未销号 {overdue_items.get(bid, 0)} 项"),
            Item("term", AUTO_ITEMS["term"], terms.get(bid) in ("ok", "soon"),
                 {"ok": "届期内", "soon": "即将到期", "overdue": "已超期未换届",
                  "none": "没有届期记录"}.get(terms.get(bid), "没有届期记录")),
            Item("dues", AUTO_ITEMS["dues"], paid is not None and paid >= 95,
                 "没有党费记录" if paid is None else f"交纳率 {paid}%"),
            Item("training", AUTO_ITEMS["training"], bid not in missing_rotation,
                 "书记未参加轮训" if bid in missing_rotation else "已轮训"),
        ]
    return found


def assessments_of(town: Organization, year: int) -> dict[int, Assessment]:
    return {a.branch_id: a for a in db.session.scalars(select(Assessment).where(
        Assessment.town_id == town.id, Assessment.year == year))}


def assess(actor, town: Organization, branch: Organization, year: int,
           manual: dict[str, tuple[bool, str]]) -> Assessment:
    """Save (or redo, while not yet in 公示) one branch's checklist. `manual` maps each manual
    item's key to (met, evidence); a met manual item needs its evidence."""
    _in_town(town, branch)
    if not 2000 <= year <= clock.today().year:
        raise YearlyError("年度不对")
    manual_items = []
    for key, label in MANUAL_ITEMS.items():
        ok, evidence = manual.get(key, (False, ""))
        evidence = (evidence or "").strip()
        if len(evidence) > MAX_TEXT:
            raise YearlyError(f"“{label}”的佐证材料最多 {MAX_TEXT} 个字")
        if ok and len(evidence) < 2:
            raise YearlyError(f"“{label}”评为达到，请写明佐证材料")
        manual_items.append(Item(key, label, bool(ok), evidence))
    auto = auto_items(town, year).get(branch.id)
    if auto is None:
        raise YearlyError("这个支部已停用")
    found = db.session.scalar(select(Assessment).where(
        Assessment.branch_id == branch.id, Assessment.year == year).with_for_update())
    if found is not None and found.status != AssessmentStatus.DRAFT:
        raise YearlyError("这个支部的结果已经公示，不能再改")
    if found is None:
        found = Assessment(branch_id=branch.id, town_id=town.id, year=year,
                           assessed_by_id=actor.id)
        db.session.add(found)
    found.auto_items = json.dumps([i.as_dict() for i in auto], ensure_ascii=False)
    found.manual_items = json.dumps([i.as_dict() for i in manual_items], ensure_ascii=False)
    found.passed = all(i.ok for i in auto) and all(i.ok for i in manual_items)
    found.assessed_by_id, found.assessed_at = actor.id, clock.now()
    db.session.flush()
    audit.record(actor, "yearly.assess", "yearly_assessment", found.id, org_id=branch.id,
                 year=year, passed=found.passed)
    db.session.commit()
    return found


def items_of(assessment: Assessment) -> list[dict]:
    return json.loads(assessment.auto_items) + json.loads(assessment.manual_items)


def publish_results(actor, town: Organization, year: int) -> int:
    """创优 by the stated rule, then every assessed branch's result to 公示 (5 working days,
    objections through the notices service). Returns how many were published."""
    drafts = [a for a in assessments_of(town, year).values()
              if a.status == AssessmentStatus.DRAFT]
    if not drafts:
        raise YearlyError("还没有评定完的支部")
    board = town_services.dashboard(town, quarter_range(year, 4))
    scores = {row.branch.id: row.score.value for row in board.rows}
    passed = sorted((a for a in drafts if a.passed), key=lambda a: -scores.get(a.branch_id, 0))
    chosen = {a.id for a in passed[:max(1, math.floor(len(passed) * create_share()))]} \
        if passed else set()
    for assessment in drafts:
        assessment.excellent = assessment.id in chosen
        notice = notices.publish(actor, assessment.branch_id, year, NOTICE_SUBJECT,
                                 f"{year}年度达标创优结果：{assessment.outcome_label}")
        if isinstance(notice, str):
            db.session.rollback()
            raise YearlyError(notice)
        assessment.notice_id, assessment.status = notice.id, AssessmentStatus.NOTICE
        audit.record(actor, "yearly.publish", "yearly_assessment", assessment.id,
                     org_id=assessment.branch_id, year=year, outcome=assessment.outcome_label)
    db.session.commit()
    return len(drafts)


def finalize_results(actor, town: Organization, year: int) -> int:
    """After the 公示 period: the results are final; each 不达标 branch gets one 督导整改 item
    per unmet item in its 整改清单 (confirmed by the town), due in SUPERVISION_DAYS."""
    today = clock.today()
    waiting = [a for a in assessments_of(town, year).values()
               if a.status == AssessmentStatus.NOTICE]
    notice_ends = {a.id: notices.notice_by_id(a.notice_id).ends_on for a in waiting}
    ready = [a for a in waiting if notice_ends[a.id] < today]
    if not ready:
        raise YearlyError("公示期还没有结束，期满后才能确定结果")
    for assessment in ready:
        assessment.status, assessment.finalized_at = AssessmentStatus.FINAL, clock.now()
        audit.record(actor, "yearly.finalize", "yearly_assessment", assessment.id,
                     org_id=assessment.branch_id, year=year, outcome=assessment.outcome_label)
    db.session.commit()
    for assessment in ready:
        if not assessment.passed:
            _raise_supervision(actor, town, assessment)
    return len(ready)


def _raise_supervision(actor, town, assessment: Assessment) -> None:
    owner = branch_secretary_id(assessment.branch_id)
    if owner is None:
        return
    due = clock.today() + timedelta(days=SUPERVISION_DAYS)
    for item in items_of(assessment):
        if item["ok"]:
            continue
        result = rectification.raise_item(
            actor, assessment.branch, problem=f"{assessment.year}年度达标创优未达到：{item['label']}",
            measures=f"对照标准整改（{item['detail'] or '见评定'}），按期报镇党委验收",
            owner_id=owner, due_on=due, source=Source.SUPERVISION, source_ref=assessment.id,
            confirm_org=town)
        if isinstance(result, list):
            raise YearlyError("；".join(result))


# ---- 软弱涣散 整顿 ---------------------------------------------------------------------------------
@dataclass
class Candidate:
    branch: Organization
    score: float
    reasons: list[str]


def candidates(town: Organization, quarter) -> list[Candidate]:
    """Suggested for 整顿: the bottom share of the 堡垒指数 (at least one branch) and any branch
    with a flag — no 三会一课 held in the quarter, overdue replies, on the 黑榜 (红线)."""
    board = town_services.dashboard(town, quarter)
    rows = sorted(board.rows, key=lambda r: r.score.value)
    bottom = {r.branch.id for r in rows[:max(1, math.ceil(len(rows) * weak_share()))]} \
        if rows else set()
    black = {r.branch.id for r in board.help}
    found = []
    for row in rows:
        reasons = []
        if row.branch.id in bottom:
            reasons.append(f"堡垒指数位于全镇后 {round(100 * weak_share())}%")
        if board.matrix.meeting_rate(row.branch.id) == 0:
            reasons.append("本季度没有按期开三会一课")
        if row.overdue_now:
            reasons.append(f"{row.overdue_now} 条意见超期未答复")
        if row.branch.id in black:
            reasons.append("列入黑榜")
        if reasons:
            found.append(Candidate(row.branch, row.score.value, reasons))
    return found


def may_see_consolidation(person, branch: Organization) -> bool:
    """The town and that branch's secretary only — never members, other branches, the public."""
    return can(person, "consolidation.view", branch)


def consolidations_of(town: Organization) -> list[Consolidation]:
    return list(db.session.scalars(
        select(Consolidation).where(Consolidation.town_id == town.id)
        .options(joinedload(Consolidation.branch), joinedload(Consolidation.leader))
        .order_by(Consolidation.closed, Consolidation.listed_at.desc())))


def consolidations_of_branch(branch: Organization) -> list[Consolidation]:
    return list(db.session.scalars(select(Consolidation).where(
        Consolidation.branch_id == branch.id).order_by(Consolidation.listed_at.desc())))


def consolidation_by_id(entry_id: int) -> Consolidation | None:
    return db.session.get(Consolidation, entry_id)


def town_people(town: Organization) -> list[Person]:
    """Who may be the 包村/挂点 leader: people holding a role in the town organisation."""
    return list(db.session.scalars(
        select(Person).join(Membership, Membership.person_id == Person.id)
        .where(Membership.org_id == town.id, Membership.ended_on.is_(None))
        .distinct().order_by(Person.name)))


def list_for_consolidation(actor, town: Organization, branch: Organization, *, reason: str,
                           problems: str, measures: str, leader_id: int | None,
                           first_secretary: str, due_on: date | None) -> Consolidation:
    _in_town(town, branch)
    reason = _text(reason, "列入理由")
    problems, measures = _text(problems, "存在的问题"), _text(measures, "整顿措施")
    first_secretary = (first_secretary or "").strip()
    if len(first_secretary) > MAX_NAME:
        raise YearlyError(f"第一书记姓名最多 {MAX_NAME} 个字")
    if leader_id and leader_id not in {p.id for p in town_people(town)}:
        raise YearlyError("挂点领导应是镇里的干部")
    today = clock.today()
    if due_on is None or not today < due_on <= today + timedelta(days=731):
        raise YearlyError("整顿时限应在今天之后、两年以内")
    already = db.session.scalar(select(Consolidation.id).where(
        Consolidation.branch_id == branch.id, Consolidation.closed.is_(False)))
    if already:
        raise YearlyError("这个支部正在整顿中，请在它的整顿台账里补充")
    entry = Consolidation(branch_id=branch.id, town_id=town.id, reason=reason,
                          problems=problems, measures=measures, leader_id=leader_id or None,
                          first_secretary=first_secretary or None, due_on=due_on,
                          listed_by_id=actor.id)
    db.session.add(entry)
    db.session.flush()
    audit.record(actor, "yearly.consolidation_list", "yearly_consolidation", entry.id,
                 org_id=branch.id, reason=reason, due_on=due_on)
    secretary = branch_secretary_id(branch.id)
    if secretary:
        notify([secretary], "支部列入软弱涣散整顿", reason[:100],
               f"/yearly/consolidation/{entry.id}", kind="yearly")
    db.session.commit()
    return entry


def progress_of(entry: Consolidation) -> list[ConsolidationProgress]:
    return list(db.session.scalars(
        select(ConsolidationProgress).where(ConsolidationProgress.consolidation_id == entry.id)
        .options(joinedload(ConsolidationProgress.author))
        .order_by(ConsolidationProgress.month, ConsolidationProgress.id)))


def add_progress(actor, entry: Consolidation, text: str) -> ConsolidationProgress:
    if not may_see_consolidation(actor, entry.branch):
        raise YearlyError("你不能登记这个支部的整顿进展")
    if entry.closed:
        raise YearlyError("已验收销号，不能再登记进展")
    row = ConsolidationProgress(consolidation_id=entry.id, month=clock.today().strftime("%Y-%m"),
                                text=_text(text, "本月进展"), author_id=actor.id)
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "yearly.consolidation_progress", "yearly_consolidation", entry.id,
                 org_id=entry.branch_id, month=row.month)
    db.session.commit()
    return row


def close_consolidation(actor, entry: Consolidation, evidence: str) -> None:
    """验收销号 by the town, with the evidence of the check."""
    if not can(actor, "town.manage", entry.branch):
        raise YearlyError("验收销号由镇党委进行")
    if entry.closed:
        raise YearlyError("已经验收销号了")
    entry.closing_evidence = _text(evidence, "验收情况")
    entry.closed, entry.closed_by_id, entry.closed_at = True, actor.id, clock.now()
    audit.record(actor, "yearly.consolidation_close", "yearly_consolidation", entry.id,
                 org_id=entry.branch_id)
    db.session.commit()


def send_reminders() -> int:
    """Clock job: a 整顿 past its deadline and not yet 销号 — the secretary and the town admin
    who listed it are told once (claimed by a conditional UPDATE)."""
    now, today = clock.now(), clock.today()
    claimed = db.session.execute(
        update(Consolidation).where(Consolidation.closed.is_(False),
                                    Consolidation.due_on < today,
                                    Consolidation.overdue_reminded_at.is_(None))
        .values(overdue_reminded_at=now).returning(Consolidation.id)).scalars().all()
    for entry in db.session.scalars(select(Consolidation).where(
            Consolidation.id.in_(claimed)).options(joinedload(Consolidation.branch))):
        people = [entry.listed_by_id]
        secretary = branch_secretary_id(entry.branch_id)
        if secretary:
            people.append(secretary)
        notify(people, f"整顿超期：{entry.branch.name}",
               f"整顿时限 {entry.due_on.isoformat()} 已过，尚未验收销号。",
               f"/yearly/consolidation/{entry.id}", kind="yearly")
    db.session.commit()
    return len(claimed)


# ---- 挂点 + 一月一研判 -----------------------------------------------------------------------------
def links_of(town: Organization) -> list[PostLink]:
    return list(db.session.scalars(
        select(PostLink).where(PostLink.town_id == town.id)
        .options(joinedload(PostLink.person), joinedload(PostLink.branch))
        .order_by(PostLink.person_id)))


def my_villages(person) -> list[Organization]:
    return list(db.session.scalars(
        select(Organization).join(PostLink, PostLink.branch_id == Organization.id)
        .where(PostLink.person_id == person.id).order_by(Organization.path)))


def set_link(actor, town: Organization, person_id: int, branch: Organization,
             linked: bool) -> None:
    _in_town(town, branch)
    if person_id not in {p.id for p in town_people(town)}:
        raise YearlyError("挂点领导应是镇里的干部")
    found = db.session.scalar(select(PostLink).where(PostLink.person_id == person_id,
                                                     PostLink.branch_id == branch.id))
    if linked and found is None:
        db.session.add(PostLink(person_id=person_id, branch_id=branch.id, town_id=town.id))
    elif not linked and found is not None:
        db.session.delete(found)
    audit.record(actor, "yearly.post_link", "organization", branch.id, org_id=branch.id,
                 person_id=person_id, linked=linked)
    db.session.commit()


def judgements_of(branch: Organization) -> list[Judgement]:
    return list(db.session.scalars(select(Judgement).where(Judgement.branch_id == branch.id)
                                   .options(joinedload(Judgement.author))
                                   .order_by(Judgement.month.desc())))


def write_judgement(actor, branch: Organization, figures: str, actions: str) -> Judgement:
    """This month's 研判 of a village (one per month; rewriting it keeps the month)."""
    month = clock.today().strftime("%Y-%m")
    figures, actions = _text(figures, "研判情况"), _text(actions, "下一步措施")
    found = db.session.scalar(select(Judgement).where(Judgement.branch_id == branch.id,
                                                      Judgement.month == month))
    if found is None:
        found = Judgement(branch_id=branch.id, month=month, figures=figures, actions=actions,
                          author_id=actor.id)
        db.session.add(found)
    else:
        found.figures, found.actions, found.author_id = figures, actions, actor.id
    db.session.flush()
    audit.record(actor, "yearly.judgement", "yearly_judgement", found.id, org_id=branch.id,
                 month=month)
    db.session.commit()
    return found


# ---- 书记后备 ---------------------------------------------------------------------------------------
def reserves_of_branch(branch: Organization) -> list[Reserve]:
    return list(db.session.scalars(select(Reserve).where(Reserve.branch_id == branch.id)
                                   .order_by(Reserve.recommended_at)))


def reserves_of_town(town: Organization) -> list[Reserve]:
    return list(db.session.scalars(
        select(Reserve).join(Organization, Organization.id == Reserve.branch_id)
        .where(Organization.path.startswith(town.path))
        .options(joinedload(Reserve.branch)).order_by(Organization.path, Reserve.id)))


def reserve_by_id(reserve_id: int) -> Reserve | None:
    return db.session.get(Reserve, reserve_id)


def recommend_reserve(actor, branch: Organization, name: str, note: str) -> Reserve:
    """村推: the branch recommends a reserve secretary (name and why)."""
    if branch.kind != OrgKind.BRANCH:
        raise YearlyError("只有村党支部可以推荐书记后备")
    reserve = Reserve(branch_id=branch.id, name=_text(name, "姓名", 2, MAX_NAME),
                      note=_text(note, "推荐理由"), recommended_by_id=actor.id)
    db.session.add(reserve)
    db.session.flush()
    audit.record(actor, "yearly.reserve_recommend", "yearly_reserve", reserve.id,
                 org_id=branch.id, name=reserve.name)
    db.session.commit()
    return reserve


def decide_reserve(actor, reserve: Reserve, selected: bool) -> None:
    """镇选: the town selects a recommended reserve (or not)."""
    reserve.status = ReserveStatus.SELECTED if selected else ReserveStatus.DROPPED
    reserve.decided_by_id, reserve.decided_at = actor.id, clock.now()
    audit.record(actor, "yearly.reserve_decide", "yearly_reserve", reserve.id,
                 org_id=reserve.branch_id, name=reserve.name, status=reserve.status)
    db.session.commit()


def below_ratio(town: Organization, reserves: list[Reserve]) -> list[tuple[Organization, int]]:
    """Branches with fewer than RESERVE_RATIO selected reserves (1:2), with their count."""
    branches, _ = town_services.branches_and_groups(town)
    selected: dict[int, int] = {}
    for r in reserves:
        if r.status == ReserveStatus.SELECTED:
            selected[r.branch_id] = selected.get(r.branch_id, 0) + 1
    return [(b, selected.get(b.id, 0)) for b in branches if selected.get(b.id, 0) < RESERVE_RATIO]


# ---- hooks --------------------------------------------------------------------------------------
def me_section(person):
    """我的: a town leader's 挂点 villages first; a secretary's own 整顿台账 and 书记后备."""
    villages = my_villages(person) if person.is_authenticated else []
    towns = town_services.towns_for(person)
    if not (villages or towns):
        return None
    return "yearly/_me_section.html", {"villages": villages, "towns": towns}


def town_figures(town: Organization, year: int) -> dict:
    """The dashboard block and the workbook: counts of this year's results, open 整顿, branches
    below 1:2 (a fixed number of queries)."""
    results = list(assessments_of(town, year).values())
    entries = consolidations_of(town)
    return {"year": year, "assessed": len(results),
            "passed": sum(1 for a in results if a.passed),
            "excellent": sum(1 for a in results if a.excellent),
            "consolidating": [e for e in entries if not e.closed],
            "below_ratio": below_ratio(town, reserves_of_town(town))}
