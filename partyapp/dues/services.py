"""党费 (004 §26 做好党费收缴管理工作): monthly records per member — the amount due, entered or
from the standard rules with the rule shown; paid when and how; who recorded it. Records only:
no payment processing, audited, never deleted.

Who sees what: a member's base only the member and the branch's recorder (记录人, who keeps
the dues book); arrears (连续未交) only the secretary and the 组织委员. The clock asks the
secretary to talk with a member at 3 and at 6 consecutive unpaid months, once each; the branch
records a good reason or its decision. The software never changes anyone's status: six months
without reason can lead to 自行脱党, a decision the branch takes, not the software."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import case, func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import joinedload

from .. import audit, clock
from ..authz import orgs_where
from ..extensions import db
from ..models import Membership, Organization, OrgKind, Person, Role
from ..notify.services import notify
from .models import DuesCategory, DuesNote, DuesPayment, DuesProfile, DuesRecord, DuesReminder

# The standard brackets (党费收缴标准): (upper limit of the base in 分, or None; rate in ‰).
BRACKETS = {
    DuesCategory.EMPLOYED: ((300000, 5), (500000, 10), (1000000, 15), (None, 20)),
    DuesCategory.RETIRED: ((500000, 5), (None, 10)),
}
PAY_WAYS = {"cash": "现金", "transfer": "转账"}
NOTE_KINDS = {"reason": "正当理由", "decision": "支部决定"}
STAGES = (3, 6)
NOTE_MAX = 500
BASE_MAX_FEN = 100_000_000       # 100万元 a month: beyond that it is a typing mistake
DUE_MAX_FEN = 10_000_000


class DuesError(ValueError):
    """A dues record that may not be made; the message is Chinese."""


# ---- money and months -------------------------------------------------------------------------
def yuan(fen: int | None) -> str:
    return "—" if fen is None else f"{fen // 100:,}.{fen % 100:02d}"


def parse_yuan(text: str | None) -> int | None:
    """'42', '42.5', '1,200.00' -> 分; None when empty; DuesError when not an amount."""
    text = (text or "").strip().replace(",", "").replace("，", "").removesuffix("元")
    if not text:
        return None
    if not re.fullmatch(r"\d{1,9}(\.\d{1,2})?", text):
        raise DuesError("金额请写成数字，例如 42.50")
    whole, _, cents = text.partition(".")
    return int(whole) * 100 + int((cents + "00")[:2])


def month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def shift_month(key: str, months: int) -> str:
    year, month = map(int, key.split("-"))
    index = year * 12 + month - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_label(key: str) -> str:
    year, month = key.split("-")
    return f"{year}年{int(month)}月"


def months_between(first: date, last: date) -> list[str]:
    keys, key = [], month_key(first)
    while key <= month_key(last):
        keys.append(key)
        key = shift_month(key, 1)
    return keys


def parse_month(text: str | None) -> str:
    if text and re.fullmatch(r"20\d\d-(0[1-9]|1[0-2])", text):
        return text
    return month_key(clock.today())


# ---- the standard rules -----------------------------------------------------------------------
def fixed_range() -> tuple[int, int]:
    """The small fixed amount for farmer and other members: 0.2–2 元 a month by default."""
    config = current_app.config
    return (parse_yuan(str(config.get("DUES_FIXED_MIN", "0.2"))),
            parse_yuan(str(config.get("DUES_FIXED_MAX", "2"))))


def standard_due(category: str, base_fen: int | None, fixed_fen: int | None) -> tuple[int, str]:
    """(分 a month, the rule in words). The words name the bracket, never the base itself."""
    label = DuesCategory.LABELS[category]
    if category in BRACKETS:
        lower = 0
        for upper, permille in BRACKETS[category]:
            if upper is None or (base_fen or 0) <= upper:
                break
            lower = upper
        due = ((base_fen or 0) * permille + 500) // 1000
        band = (f"{lower // 100}元以上" if lower else "") + (
            f"至{upper // 100}元（含）" if upper else "")
        base_word = "月工资收入" if category == DuesCategory.EMPLOYED else "月离退休费"
        return due, f"{label}：{base_word}{band or '不限'}按{permille / 10:g}%交纳"
    return fixed_fen or 0, f"{label}：每月固定{yuan(fixed_fen or 0)}元"


# ---- who ------------------------------------------------------------------------------------------
def branch_members(branch: Organization) -> list[Person]:
    """The branch's party members now (its groups included), by name: one query."""
    today = clock.today()
    return list(db.session.scalars(
        select(Person).join(Membership, Membership.person_id == Person.id)
        .join(Organization, Organization.id == Membership.org_id)
        .where(Organization.path.startswith(branch.path), Membership.role == Role.MEMBER,
               (Membership.ended_on.is_(None)) | (Membership.ended_on > today),
               Person.party_status.is_not(None), Person.active.is_(True))
        .distinct().order_by(Person.name_pinyin, Person.id)))


def member_of(branch: Organization, person_id: int) -> Person | None:
    return next((p for p in branch_members(branch) if p.id == person_id), None)


# ---- profiles and monthly records --------------------------------------------------------------
def profiles(branch: Organization) -> dict[int, DuesProfile]:
    return {p.person_id: p for p in db.session.scalars(
        select(DuesProfile).where(DuesProfile.branch_id == branch.id))}


def profile_of(person_id: int) -> DuesProfile | None:
    return db.session.scalar(select(DuesProfile).where(DuesProfile.person_id == person_id))


def check_profile(category: str, base_fen: int | None, fixed_fen: int | None) -> str | None:
    if category not in DuesCategory.LABELS:
        return "请选择党员类别"
    if category in DuesCategory.WITH_BASE:
        if base_fen is None or base_fen <= 0:
            return "在职和离退休党员请填写交纳基数（每月收入）"
        if base_fen > BASE_MAX_FEN:
            return "交纳基数太大了，请核对"
        return None
    low, high = fixed_range()
    if fixed_fen is None or not low <= fixed_fen <= high:
        return f"农民党员和其他党员每月交纳{yuan(low)}到{yuan(high)}元"
    return None


def set_profile(branch: Organization, person: Person, category: str, base_fen: int | None,
                fixed_fen: int | None, actor) -> DuesProfile:
    """The recorder sets how a member's dues are worked out; this month's record follows when
    it is still unpaid. The audit trail notes that the base changed, never the base (the
    secretary reads the trail)."""
    problem = check_profile(category, base_fen, fixed_fen)
    if problem:
        raise DuesError(problem)
    if category not in DuesCategory.WITH_BASE:
        base_fen = None
    else:
        fixed_fen = None
    profile = profile_of(person.id) or DuesProfile(person_id=person.id, branch_id=branch.id)
    before = (profile.category, profile.base_fen, profile.fixed_fen)
    profile.branch_id, profile.category = branch.id, category
    profile.base_fen, profile.fixed_fen = base_fen, fixed_fen
    profile.updated_by_id, profile.updated_at = getattr(actor, "id", None), clock.now()
    db.session.add(profile)
    db.session.flush()
    audit.record(actor, "dues.profile", "person", person.id, org_id=branch.id, name=person.name,
                 category=DuesCategory.LABELS[category], base_changed=before[1] != base_fen,
                 fixed=[yuan(before[2]) if before[2] is not None else None,
                        yuan(fixed_fen) if fixed_fen is not None else None])
    month = month_key(clock.today())
    record = db.session.scalar(select(DuesRecord).where(DuesRecord.person_id == person.id,
                                                        DuesRecord.month == month))
    due, rule = standard_due(category, base_fen, fixed_fen)
    if record is None:
        db.session.add(DuesRecord(branch_id=branch.id, person_id=person.id, month=month,
                                  due_fen=due, source="rule", rule_text=rule,
                                  recorded_by_id=getattr(actor, "id", None)))
    elif not record.paid and record.source == "rule":
        record.due_fen, record.rule_text = due, rule
    db.session.commit()
    return profile


def open_month(month: str | None = None) -> int:
    """Job: every member with a profile gets this month's record from the rules (one
    conditional insert: a second run or clock adds nothing). Returns how many were added."""
    month = month or month_key(clock.today())
    rows = []
    for profile in db.session.scalars(select(DuesProfile)):
        due, rule = standard_due(profile.category, profile.base_fen, profile.fixed_fen)
        rows.append({"branch_id": profile.branch_id, "person_id": profile.person_id,
                     "month": month, "due_fen": due, "source": "rule", "rule_text": rule,
                     "recorded_at": clock.now()})
    if not rows:
        return 0
    insert = postgresql_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    statement = (insert(DuesRecord).values(rows)
                 .on_conflict_do_nothing(index_elements=["person_id", "month"])
                 .returning(DuesRecord.id))
    added = len(db.session.execute(statement).all())
    db.session.commit()
    return added


def records_of(branch: Organization, person_id: int) -> list[DuesRecord]:
    return list(db.session.scalars(
        select(DuesRecord).where(DuesRecord.branch_id == branch.id,
                                 DuesRecord.person_id == person_id)
        .options(joinedload(DuesRecord.payment)).order_by(DuesRecord.month.desc())))


def record_in(branch: Organization, record_id: int) -> DuesRecord | None:
    record = db.session.get(DuesRecord, record_id)
    return record if record is not None and record.branch_id == branch.id else None


def enter_due(branch: Organization, record: DuesRecord, due_fen: int | None, actor) -> None:
    """The recorder enters the amount due for a month instead of the rule (audited)."""
    if record.paid:
        raise DuesError("这个月已经交了，不能再改应交金额")
    if due_fen is None or not 0 <= due_fen <= DUE_MAX_FEN:
        raise DuesError("请填写应交金额，例如 42.50")
    audit.record(actor, "dues.enter_due", "dues_record", record.id, org_id=branch.id,
                 month=record.month, due=[yuan(record.due_fen), yuan(due_fen)])
    record.due_fen, record.source, record.rule_text = due_fen, "entered", "按支部核定金额"
    record.recorded_by_id = getattr(actor, "id", None)
    db.session.commit()


def record_payment(branch: Organization, person: Person, months: list[str], paid_on: date | None,
                   how: str, approved: bool, actor) -> DuesPayment:
    """The recorder writes down a payment received: for one month, or for several at once when
    the branch approved it. Each month is claimed with a conditional update, so a payment is
    never written twice for the same month."""
    months = sorted(set(months))
    if not months:
        raise DuesError("请选择交的是哪个月")
    if how not in PAY_WAYS:
        raise DuesError("请选择交纳方式")
    if paid_on is None or paid_on > clock.today():
        raise DuesError("交纳日期不能晚于今天")
    if len(months) > 1 and not approved:
        raise DuesError("一次交多个月须经支部同意，请勾选“已经支部同意”")
    records = list(db.session.scalars(select(DuesRecord).where(
        DuesRecord.branch_id == branch.id, DuesRecord.person_id == person.id,
        DuesRecord.month.in_(months), DuesRecord.payment_id.is_(None))))
    if len(records) != len(months):
        raise DuesError("所选月份有的已交或还没有记录，请刷新后重选")
    payment = DuesPayment(branch_id=branch.id, person_id=person.id, paid_on=paid_on, how=how,
                          total_fen=sum(r.due_fen for r in records), months=len(records),
                          approved=len(records) > 1, recorded_by_id=getattr(actor, "id", None))
    db.session.add(payment)
    db.session.flush()
    claimed = db.session.execute(update(DuesRecord).where(
        DuesRecord.id.in_([r.id for r in records]), DuesRecord.payment_id.is_(None))
        .values(payment_id=payment.id)).rowcount
    if claimed != len(records):
        db.session.rollback()
        raise DuesError("所选月份刚刚已被登记，请刷新后查看")
    audit.record(actor, "dues.payment", "dues_payment", payment.id, org_id=branch.id,
                 name=person.name, months=months, how=PAY_WAYS[how], paid_on=paid_on,
                 total=yuan(payment.total_fen), approved=payment.approved)
    db.session.commit()
    return payment


@dataclass
class SheetRow:
    person: Person
    profile: DuesProfile | None
    record: DuesRecord | None


def month_sheet(branch: Organization, month: str) -> list[SheetRow]:
    """The recorder's page for one month: every member, their rule and this month's record
    (three queries)."""
    people = branch_members(branch)
    found = profiles(branch)
    records = {r.person_id: r for r in db.session.scalars(
        select(DuesRecord).where(DuesRecord.branch_id == branch.id, DuesRecord.month == month)
        .options(joinedload(DuesRecord.payment)))}
    return [SheetRow(p, found.get(p.id), records.get(p.id)) for p in people]


# ---- arrears (secretary and 组织委员 only) ------------------------------------------------------
@dataclass
class Streak:
    person_id: int
    months: list[str]                  # consecutive unpaid months up to last month, oldest first
    due_fen: int

    @property
    def start(self) -> str:
        return self.months[0]

    @property
    def length(self) -> int:
        return len(self.months)


def streaks(branch_ids, today: date | None = None) -> dict[int, Streak]:
    """person id -> their run of unpaid months ending with last month (this month is not late
    yet): one query of unpaid records. A month without a record breaks the run."""
    ids = list(branch_ids)
    if not ids:
        return {}
    last = shift_month(month_key(today or clock.today()), -1)
    rows = db.session.execute(
        select(DuesRecord.person_id, DuesRecord.month, DuesRecord.due_fen)
        .where(DuesRecord.branch_id.in_(ids), DuesRecord.payment_id.is_(None),
               DuesRecord.month <= last)
        .order_by(DuesRecord.person_id, DuesRecord.month.desc())).all()
    found: dict[int, Streak] = {}
    for person_id, month, due in rows:
        streak = found.get(person_id)
        expected = last if streak is None else shift_month(streak.months[0], -1)
        if month != expected:
            continue
        if streak is None:
            found[person_id] = Streak(person_id, [month], due)
        else:
            streak.months.insert(0, month)
            streak.due_fen += due
    return found


@dataclass
class ArrearsRow:
    person: Person
    streak: Streak
    notes: list[DuesNote] = field(default_factory=list)

    @property
    def stage(self) -> int:
        return 6 if self.streak.length >= 6 else 3 if self.streak.length >= 3 else 0


def arrears(branch: Organization) -> list[ArrearsRow]:
    """Members behind with their dues, longest first, with the branch's notes (3 queries)."""
    runs = streaks([branch.id])
    if not runs:
        return []
    people = {p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_(runs)))}
    notes: dict[int, list[DuesNote]] = {}
    for note in db.session.scalars(select(DuesNote).where(
            DuesNote.branch_id == branch.id, DuesNote.person_id.in_(runs))
            .options(joinedload(DuesNote.recorded_by)).order_by(DuesNote.id)):
        notes.setdefault(note.person_id, []).append(note)
    rows = [ArrearsRow(people[pid], run, notes.get(pid, [])) for pid, run in runs.items()
            if pid in people]
    return sorted(rows, key=lambda r: (-r.streak.length, r.person.name_pinyin))


def add_note(branch: Organization, person: Person, kind: str, text: str, actor) -> DuesNote:
    """The secretary or 组织委员 records what the talk found: a good reason, or the branch's
    decision. It changes nobody's status."""
    text = (text or "").strip()
    if kind not in NOTE_KINDS:
        raise DuesError("请选择是正当理由还是支部决定")
    if not text:
        raise DuesError("请写下谈话情况或支部的决定")
    if len(text) > NOTE_MAX:
        raise DuesError(f"最多{NOTE_MAX}个字")
    note = DuesNote(branch_id=branch.id, person_id=person.id, kind=kind, text=text,
                    recorded_by_id=getattr(actor, "id", None))
    db.session.add(note)
    db.session.flush()
    audit.record(actor, "dues.note", "dues_note", note.id, org_id=branch.id, name=person.name,
                 kind=NOTE_KINDS[kind])
    db.session.commit()
    return note


def send_arrears_reminders() -> int:
    """Job: a member 3 and 6 consecutive months unpaid — ask the branch secretary to talk with
    them, once per stage and run of unpaid months (one conditional insert claims it; the latest
    stage newly claimed is the one announced). Returns how many reminders were sent."""
    branches = list(db.session.scalars(select(Organization).where(
        Organization.kind.in_((OrgKind.BRANCH, OrgKind.GENERAL_BRANCH)), Organization.active)))
    runs = streaks([b.id for b in branches])
    due = [(pid, stage, run.start) for pid, run in runs.items() for stage in STAGES
           if run.length >= stage]
    claimed = _claim(due)
    if not claimed:
        db.session.commit()
        return 0
    people = {p.id: p for p in db.session.scalars(
        select(Person).where(Person.id.in_({pid for pid, _, _ in claimed})))}
    branch_of = dict(db.session.execute(select(DuesRecord.person_id, DuesRecord.branch_id).where(
        DuesRecord.person_id.in_(people), DuesRecord.month.in_({s for _, _, s in claimed}))).all())
    secretaries = _secretaries(set(branch_of.values()))
    sent = 0
    for pid, run in runs.items():
        fresh = [stage for stage in STAGES if (pid, stage, run.start) in claimed]
        if not fresh or pid not in people:
            continue
        stage, branch_id = fresh[-1], branch_of.get(pid)
        notify(secretaries.get(branch_id, []),
               f"{people[pid].name}已连续{stage}个月未交党费，请找其谈心谈话",
               f"自{month_label(run.start)}起未交。请了解原因，并在党费页面记下正当理由或支部的决定。"
               "是否按自行脱党处理由支部研究决定，系统不会自动处理。",
               f"/dues/branch/{branch_id}/arrears", kind="dues")
        sent += 1
    db.session.commit()
    return sent


def _claim(due) -> set[tuple[int, int, str]]:
    if not due:
        return set()
    insert = postgresql_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    statement = (insert(DuesReminder)
                 .values([{"person_id": pid, "stage": stage, "streak_start": start,
                           "sent_at": clock.now()} for pid, stage, start in due])
                 .on_conflict_do_nothing(index_elements=["person_id", "stage", "streak_start"])
                 .returning(DuesReminder.person_id, DuesReminder.stage,
                            DuesReminder.streak_start))
    return {tuple(row) for row in db.session.execute(statement)}


def _secretaries(branch_ids) -> dict[int, list[int]]:
    if not branch_ids:
        return {}
    today = clock.today()
    found: dict[int, list[int]] = {}
    for org_id, person_id in db.session.execute(select(Membership.org_id, Membership.person_id)
                                                .where(Membership.org_id.in_(branch_ids),
                                                       Membership.role == Role.SECRETARY,
                                                       (Membership.ended_on.is_(None))
                                                       | (Membership.ended_on > today))):
        found.setdefault(org_id, []).append(person_id)
    return found


# ---- the member's own page ----------------------------------------------------------------------
def my_records(person: Person) -> list[DuesRecord]:
    return list(db.session.scalars(
        select(DuesRecord).where(DuesRecord.person_id == person.id)
        .options(joinedload(DuesRecord.payment)).order_by(DuesRecord.month.desc()).limit(36)))


# ---- the town's quarterly summary -----------------------------------------------------------------
@dataclass
class BranchSummary:
    members: int = 0           # members with a record in the quarter
    due_fen: int = 0
    paid_fen: int = 0
    unpaid_months: int = 0
    behind_3: int = 0          # members 3 or more months behind (a count: no names)

    @property
    def paid_rate(self) -> int | None:
        return round(100 * self.paid_fen / self.due_fen) if self.due_fen else None


def town_summary(branch_ids, first: date, last: date) -> dict[int, BranchSummary]:
    """Per branch and quarter: what was due, what was paid, how many member-months are unpaid,
    and how many members are 3+ months behind (two queries, counts only)."""
    ids = list(branch_ids)
    summary = {bid: BranchSummary() for bid in ids}
    if not ids:
        return summary
    paid = DuesRecord.payment_id.is_not(None)
    rows = db.session.execute(
        select(DuesRecord.branch_id, func.count(func.distinct(DuesRecord.person_id)),
               func.sum(DuesRecord.due_fen),
               func.sum(case((paid, DuesRecord.due_fen), else_=0)),
               func.sum(case((paid, 0), else_=1)))
        .where(DuesRecord.branch_id.in_(ids), DuesRecord.month.in_(months_between(first, last)))
        .group_by(DuesRecord.branch_id))
    for branch_id, members, due, paid_fen, unpaid in rows:
        entry = summary[branch_id]
        entry.members, entry.due_fen = members, due or 0
        entry.paid_fen, entry.unpaid_months = paid_fen or 0, unpaid or 0
    at = min(last + timedelta(days=1), clock.today())    # the quarter's last month counts once over
    for branch_id, count in _behind_counts(ids, at).items():
        summary[branch_id].behind_3 = count
    return summary


def _behind_counts(ids, at: date) -> dict[int, int]:
    runs = streaks(ids, today=at)
    if not runs:
        return {}
    homes = dict(db.session.execute(select(DuesRecord.person_id, DuesRecord.branch_id).where(
        DuesRecord.person_id.in_(runs), DuesRecord.branch_id.in_(ids)).distinct()).all())
    counts: dict[int, int] = {}
    for pid, run in runs.items():
        if run.length >= 3 and pid in homes:
            counts[homes[pid]] = counts.get(homes[pid], 0) + 1
    return counts


# ---- 首页 and 我的 ----------------------------------------------------------------------------------
def todo_items(person) -> list:
    """The secretary and 组织委员: members 3+ months behind whom nobody has talked to yet."""
    from ..main.services import TodoItem

    branches = [o for o in orgs_where(person, "dues.arrears")
                if o.kind in (OrgKind.BRANCH, OrgKind.GENERAL_BRANCH)]
    if not branches:
        return []
    behind = {pid: run for pid, run in streaks([b.id for b in branches]).items()
              if run.length >= STAGES[0]}
    if not behind:
        return []
    talked = set(db.session.scalars(select(DuesNote.person_id).where(
        DuesNote.person_id.in_(behind), DuesNote.branch_id.in_([b.id for b in branches]))))
    waiting = [pid for pid in behind if pid not in talked]
    if not waiting:
        return []
    branch = branches[0]
    return [TodoItem(f"党费：{len(waiting)}名党员连续3个月以上未交",
                     f"/dues/branch/{branch.id}/arrears", "请找他们谈心谈话，并记下原因或支部决定")]


def me_section(person):
    if not person.is_party_member:
        return None
    return "dues/_me_section.html", {}
