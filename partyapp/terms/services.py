"""按期换届提醒督促 (004 §18): every organisation has its current term; the clock reminds the
secretary and the town six, three and one month before it ends (and once when it is overdue);
the town sees overdue terms; recording a 换届 starts the next term."""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .. import audit, clock
from ..authz import orgs_where
from ..extensions import db
from ..models import Membership, Organization, OrgKind, Role
from ..notify.services import notify
from .models import OrgTerm, TermReminder

# Kinds of organisation that elect a committee and so have terms (a party group does not).
TERM_KINDS = (OrgKind.TOWN, OrgKind.GENERAL_BRANCH, OrgKind.BRANCH)
# (stage, months before the end); "overdue" is the end itself.
STAGES = (("6m", 6), ("3m", 3), ("1m", 1), ("overdue", 0))
STAGE_TEXT = {"6m": "还有约6个月", "3m": "还有约3个月", "1m": "还有约1个月", "overdue": "已到期"}
MAX_YEARS = 10
EARLIEST = date(1990, 1, 1)


class TermError(ValueError):
    """A term that may not be recorded; the message is Chinese."""


def default_years() -> int:
    """Village organisations serve 5 years by default (TERM_YEARS to change it)."""
    return int(current_app.config.get("TERM_YEARS", 5))


def add_months(day: date, months: int) -> date:
    """The same day `months` later (or earlier), the month's last day when it is shorter."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def stage_on(term_ends: date, stage_months: int) -> date:
    return add_months(term_ends, -stage_months)


# ---- reading ----------------------------------------------------------------------------------
def current_terms(org_ids) -> dict[int, OrgTerm]:
    """org id -> its current term, one query."""
    ids = list(org_ids)
    if not ids:
        return {}
    rows = db.session.scalars(select(OrgTerm).where(OrgTerm.org_id.in_(ids),
                                                    OrgTerm.ended_on.is_(None)))
    return {term.org_id: term for term in rows}


def history(org: Organization) -> list[OrgTerm]:
    return list(db.session.scalars(select(OrgTerm).where(OrgTerm.org_id == org.id)
                                   .order_by(OrgTerm.started_on.desc(), OrgTerm.id.desc())))


@dataclass
class TermRow:
    """One organisation on the town's list."""

    org: Organization
    term: OrgTerm | None
    today: date

    @property
    def state(self) -> str:
        if self.term is None:
            return "none"
        if self.term.ends_on <= self.today:
            return "overdue"
        if stage_on(self.term.ends_on, 6) <= self.today:
            return "soon"
        return "ok"

    @property
    def label(self) -> str:
        if self.term is None:
            return "未登记届期"
        if self.state == "overdue":
            return f"已超期{(self.today - self.term.ends_on).days}天未换届"
        if self.state == "soon":
            return f"{self.term.ends_on:%Y年%m月%d日}届满，请准备换届"
        return f"{self.term.ends_on:%Y年%m月%d日}届满"


def term_orgs(town: Organization) -> list[Organization]:
    return list(db.session.scalars(select(Organization).where(
        Organization.path.startswith(town.path), Organization.kind.in_(TERM_KINDS),
        Organization.active).order_by(Organization.path)))


def town_terms(town: Organization) -> list[TermRow]:
    """Every organisation of the town that has terms, with its current term: two queries."""
    orgs = term_orgs(town)
    terms = current_terms(o.id for o in orgs)
    today = clock.today()
    return [TermRow(o, terms.get(o.id), today) for o in orgs]


def overdue_terms(town: Organization) -> list[TermRow]:
    """What the town dashboard flags: terms past their end, and organisations without one."""
    return [row for row in town_terms(town) if row.state in ("overdue", "none")]


def org_row(org: Organization) -> TermRow:
    return TermRow(org, current_terms([org.id]).get(org.id), clock.today())


# ---- recording --------------------------------------------------------------------------------
def check_term(org: Organization, started_on: date | None, years: int | None) -> str | None:
    if org.kind not in TERM_KINDS:
        return "党小组没有届期"
    if started_on is None:
        return "请填写本届开始日期"
    if started_on > clock.today():
        return "开始日期不能晚于今天（换届后再登记）"
    if started_on < EARLIEST:
        return "开始日期太早了"
    if years is None or not 1 <= years <= MAX_YEARS:
        return f"任期请填1到{MAX_YEARS}年"
    current = current_terms([org.id]).get(org.id)
    if current is not None and started_on < current.started_on:
        return f"不能早于本届开始日期（{current.started_on:%Y-%m-%d}）"
    return None


def record_term(org: Organization, started_on: date, years: int | None, actor) -> OrgTerm:
    """The town registers or corrects an organisation's term (audited, committed)."""
    term = _record(org, started_on, years, actor)
    db.session.commit()
    return term


def _record(org: Organization, started_on: date, years: int | None, actor) -> OrgTerm:
    years = years or default_years()
    problem = check_term(org, started_on, years)
    if problem:
        raise TermError(problem)
    current = current_terms([org.id]).get(org.id)
    if current is not None and current.started_on == started_on:
        before = current.years
        current.years, current.ends_on = years, add_months(started_on, 12 * years)
        audit.record(actor, "term.correct", "org_term", current.id, org_id=org.id,
                     name=org.name, years=[before, years])
        return current
    if current is not None:
        current.ended_on = started_on
    term = OrgTerm(org_id=org.id, started_on=started_on, years=years,
                   ends_on=add_months(started_on, 12 * years),
                   recorded_by_id=getattr(actor, "id", None))
    db.session.add(term)
    db.session.flush()
    audit.record(actor, "term.start", "org_term", term.id, org_id=org.id, name=org.name,
                 started_on=started_on, years=years, ends_on=term.ends_on,
                 previous=current.id if current else None)
    return term


def on_term_changed(org: Organization, *, on: date, actor, **_) -> None:
    """Receiver of features.term_changed (org recorded a 换届): the next term starts that day,
    of the default length, in the same transaction (org commits)."""
    current = current_terms([org.id]).get(org.id)
    if current is not None and current.started_on >= on:
        return
    _record(org, on, current.years if current else None, actor)


# ---- the clock ----------------------------------------------------------------------------------
def send_term_reminders() -> int:
    """Job: each stage (6, 3, 1 month before, and overdue) reached by a current term is claimed
    once with one conditional insert; the latest stage newly claimed is announced to the
    organisation's secretary and the town admins. Returns how many terms were announced."""
    today = clock.today()
    terms = list(db.session.scalars(
        select(OrgTerm).join(OrgTerm.org).where(OrgTerm.ended_on.is_(None), Organization.active,
                                                OrgTerm.ends_on <= add_months(today, 6))))
    due = [(t.id, stage) for t in terms for stage, months in STAGES
           if stage_on(t.ends_on, months) <= today]
    claimed = _claim(due)
    announced = 0
    secretaries, admins = _secretaries(t.org_id for t in terms), _town_admins(terms)
    for term in terms:
        fresh = [stage for stage, _ in STAGES if (term.id, stage) in claimed]
        if not fresh:
            continue
        stage = fresh[-1]
        org = term.org
        people = set(secretaries.get(org.id, [])) | set(admins.get(org.town_id, []))
        title = (f"{org.name}任期已到期，请及时换届" if stage == "overdue"
                 else f"{org.name}任期{STAGE_TEXT[stage]}届满")
        notify(people, title, f"本届自{term.started_on:%Y年%m月%d日}起，任期{term.years}年，"
               f"{term.ends_on:%Y年%m月%d日}届满。请按期组织换届。", f"/terms/org/{org.id}",
               kind="term")
        announced += 1
    db.session.commit()
    return announced


def _claim(due: list[tuple[int, str]]) -> set[tuple[int, str]]:
    if not due:
        return set()
    insert = postgresql_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    statement = (insert(TermReminder)
                 .values([{"term_id": term_id, "stage": stage, "sent_at": clock.now()}
                          for term_id, stage in due])
                 .on_conflict_do_nothing(index_elements=["term_id", "stage"])
                 .returning(TermReminder.term_id, TermReminder.stage))
    return {tuple(row) for row in db.session.execute(statement)}


def _holders(org_ids, role: str) -> dict[int, list[int]]:
    ids = list(set(org_ids))
    if not ids:
        return {}
    today = clock.today()
    rows = db.session.execute(select(Membership.org_id, Membership.person_id).where(
        Membership.org_id.in_(ids), Membership.role == role,
        (Membership.ended_on.is_(None)) | (Membership.ended_on > today)))
    found: dict[int, list[int]] = {}
    for org_id, person_id in rows:
        found.setdefault(org_id, []).append(person_id)
    return found


def _secretaries(org_ids) -> dict[int, list[int]]:
    return _holders(org_ids, Role.SECRETARY)


def _town_admins(terms) -> dict[int, list[int]]:
    return _holders((t.org.town_id for t in terms), Role.TOWN_ADMIN)


# ---- 首页 --------------------------------------------------------------------------------------
def todo_items(person) -> list:
    """A secretary whose organisation's term ends within six months (or is overdue)."""
    from ..main.services import TodoItem

    orgs = [o for o in orgs_where(person, "term.view") if o.kind in TERM_KINDS
            and o.kind != OrgKind.TOWN]
    if not orgs:
        return []
    terms = current_terms(o.id for o in orgs)
    today = clock.today()
    rows = [TermRow(o, terms.get(o.id), today) for o in orgs]
    return [TodoItem(f"换届：{row.org.name}", f"/terms/org/{row.org.id}", row.label,
                     clock.end_of_local_day(row.term.ends_on), urgent=row.state == "overdue")
            for row in rows if row.state in ("soon", "overdue")]
