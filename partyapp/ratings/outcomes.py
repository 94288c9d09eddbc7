"""评定公布 (004 §20: 评定公布优秀、合格、基本合格、不合格党员): once a satisfaction round is closed,
the branch committee confirms each member's outcome with the counts beside it, then publishes
the list as a 公示 (partyapp/notices). The counts only propose; 不合格 is never published unless
the committee ticked it for that member. Members see their own outcome, and the branch's list
while the notice period runs."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import clock
from ..extensions import db
from ..models import Person
from ..notices import services as notices
from .evaluation import round_results
from .models import EvaluationRound, Grade, RoundOutcome
from .scoring import aggregate_grade, branch_members


@dataclass
class Proposal:
    person: Person
    counts: dict[str, int]
    proposed: str | None        # None: no grade from the counts

    @property
    def default(self) -> str:
        """What the form starts with: never 不合格 (that is the committee's own choice)."""
        return self.proposed if self.proposed not in (None, Grade.POOR) else ""


def subject_of(round_: EvaluationRound) -> str:
    return f"satisfaction-Q{round_.quarter}"


def proposals(round_: EvaluationRound) -> list[Proposal]:
    """Each member graded in the round, in pinyin order, with counts and the proposed grade."""
    results = round_results(round_)
    if results["withheld"]:
        return []
    return [Proposal(p, results["per_member"].get(p.id, {}),
                     aggregate_grade(results["per_member"].get(p.id, {})))
            for p in branch_members(round_.branch) if p.id in results["per_member"]]


def publish(actor, round_: EvaluationRound, chosen: dict[int, str], poor_confirmed: set[int],
            notice_days: int = notices.DEFAULT_NOTICE_DAYS):
    """Publish the committee's outcomes; returns the notice or an error message."""
    if round_.closed_at is None:
        return "测评结束后才能评定公布"
    members = proposals(round_)
    if not members:
        return "投票少于 3 张或没有汇总结果，不能评定公布"
    error = _check(members, chosen, poor_confirmed)
    if error:
        return error
    notice = notices.publish(actor, round_.branch_id, round_.year, subject_of(round_),
                             f"{round_.label}评定结果公示", notice_days)
    if isinstance(notice, str):
        return notice
    db.session.add_all(RoundOutcome(round_id=round_.id, notice_id=notice.id, person_id=m.person.id,
                                    grade=chosen[m.person.id], proposed=m.proposed,
                                    confirmed_by_id=actor.id) for m in members)
    _tell_members(round_, notice, [m.person.id for m in members])
    db.session.commit()
    return notice


def _check(members: list[Proposal], chosen: dict[int, str], poor_confirmed: set[int]) -> str | None:
    if set(chosen) != {m.person.id for m in members}:
        return "请为名单上的每一位党员确认一个等次"
    if any(grade not in Grade.LABELS for grade in chosen.values()):
        return "等次不正确"
    unconfirmed = [m.person.name for m in members
                   if chosen[m.person.id] == Grade.POOR and m.person.id not in poor_confirmed]
    if unconfirmed:
        return f"评为不合格须由支委会逐人确认：请勾选“确认评为不合格”（{'、'.join(unconfirmed)}）"
    return None


def _tell_members(round_, notice, person_ids) -> None:
    from ..notify.services import notify

    notify(person_ids, notice.title, f"公示期至 {notice.ends_on.isoformat()}，有异议可在公示期内提出。",
           f"/ratings/rounds/{round_.id}#outcomes")


def latest_notice(round_: EvaluationRound):
    return notices.latest(round_.branch_id, subject_of(round_), round_.year)


def outcomes_of(notice_id: int) -> list[RoundOutcome]:
    rows = db.session.scalars(select(RoundOutcome).where(RoundOutcome.notice_id == notice_id)
                              .options(selectinload(RoundOutcome.person)))
    return sorted(rows, key=lambda o: (o.person.name_pinyin, o.person.id))


def visible_outcomes(notice, viewer_id: int, sees_all: bool) -> list[RoundOutcome]:
    """The committee and the town see the list; members see it while the notice runs, and
    their own outcome always."""
    rows = outcomes_of(notice.id)
    if sees_all or notice.is_open(clock.today()):
        return rows
    return [o for o in rows if o.person_id == viewer_id]


def lodge_objection(person: Person, round_: EvaluationRound, notice, reason: str):
    if not any(o.person_id == person.id for o in outcomes_of(notice.id)):
        return "只有名单上的党员可以对本次公示提出异议"
    objection = notices.lodge_objection(person, notice, reason)
    if isinstance(objection, str):
        return objection
    from ..notify.services import notify
    from ..opinions.services import branch_secretary_id

    secretary_id = branch_secretary_id(notice.branch_id)
    if secretary_id:
        notify([secretary_id], "测评结果公示收到异议", "请在测评页查看并答复。",
               f"/ratings/rounds/{round_.id}#outcomes")
    db.session.commit()
    return objection


def round_of_notice(notice) -> EvaluationRound | None:
    """The round a "satisfaction-Q<n>" notice announces."""
    if not notice.subject.startswith("satisfaction-Q"):
        return None
    return db.session.scalar(select(EvaluationRound).where(
        EvaluationRound.branch_id == notice.branch_id, EvaluationRound.year == notice.year,
        EvaluationRound.quarter == int(notice.subject.removeprefix("satisfaction-Q"))))
