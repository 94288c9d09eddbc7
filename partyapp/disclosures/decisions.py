"""决策过程公开: a decision walks its procedure's steps in order; vote rules are checked."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import selectinload

from .. import audit, clock
from ..extensions import db
from ..models import Membership, PartyStatus, Person, Role
from .models import Decision, DecisionStatus, DecisionStep, Procedure, ProcedureStep
from .procedures import (WITH_VILLAGER_REPS, check_meeting, ensure_procedures,
                         step_meeting_rule)


class StepError(ValueError):
    """A step that may not be recorded (wrong order, missing counts); message is Chinese."""


@dataclass
class StepInput:
    held_on: date
    meeting_id: int | None = None
    expected: int | None = None
    present: int | None = None
    votes_for: int | None = None
    votes_against: int | None = None
    votes_abstain: int | None = None
    public_text: str = ""
    minutes: str = ""


def meeting_attendance(meeting_id: int, *, full_members_only: bool = False) -> tuple[int, int] | None:
    """(expected, present) counted from the linked meeting's per-person records: its expected
    list (应到) and check-ins (实到). With `full_members_only`, only 正式党员 count — the people
    entitled to vote at a party members' meeting (probationary members do not vote).
    None when no such meeting exists."""
    from ..meetings.models import AttendeePart, CheckIn, Meeting, MeetingAttendee

    # 列席 and exempted people are not 应到, so they are no part of the vote base either.
    query = (select(func.count(MeetingAttendee.person_id), func.count(CheckIn.id))
             .select_from(MeetingAttendee)
             .outerjoin(CheckIn, and_(CheckIn.meeting_id == MeetingAttendee.meeting_id,
                                      CheckIn.person_id == MeetingAttendee.person_id))
             .where(MeetingAttendee.meeting_id == meeting_id,
                    MeetingAttendee.part == AttendeePart.EXPECTED))
    if full_members_only:
        query = query.join(Person, Person.id == MeetingAttendee.person_id).where(
            Person.party_status == PartyStatus.FULL)
    if db.session.get(Meeting, meeting_id) is None:
        return None
    expected, present = db.session.execute(query).one()
    return expected, present


def procedures() -> list[Procedure]:
    ensure_procedures()
    return list(db.session.scalars(select(Procedure).options(selectinload(Procedure.steps))
                                   .order_by(Procedure.id)))


def start_decision(actor, branch, procedure_code: str, title: str, summary: str) -> Decision:
    procedure = ensure_procedures()[procedure_code]
    decision = Decision(branch_id=branch.id, procedure_id=procedure.id, title=title,
                        summary=summary, created_by_id=actor.id)
    db.session.add(decision)
    db.session.flush()
    audit.record(actor, "decision.start", "decision", decision.id, org_id=branch.id,
                 title=title, procedure=procedure.name)
    db.session.commit()
    return decision


def next_step(decision: Decision) -> ProcedureStep | None:
    if decision.status != DecisionStatus.IN_PROGRESS:
        return None
    return next((s for s in decision.procedure.steps if s.position == decision.next_position), None)


def record_step(actor, decision: Decision, position: int, data: StepInput) -> DecisionStep:
    """Record the step at `position`; it must be the decision's next step (none skipped)."""
    step = next_step(decision)
    if step is None:
        raise StepError("这项决策已经结束，不能再记录步骤。")
    if position != step.position:
        raise StepError(f"必须按顺序进行：下一步是“{step.name}”。")
    _check_date(decision, data.held_on)
    if data.meeting_id:
        _check_meeting(decision, step, data)
    data = _with_meeting_counts(decision.branch_id, step, data)
    result = check_meeting(step, data.expected or 0, data.present or 0, data.votes_for)
    record = DecisionStep(
        decision_id=decision.id, position=step.position, name=step.name, held_on=data.held_on,
        meeting_id=data.meeting_id, expected=data.expected, present=data.present,
        votes_for=data.votes_for, votes_against=data.votes_against,
        votes_abstain=data.votes_abstain, passed=result.passed, outcome=result.reason,
        public_text=data.public_text, minutes=data.minutes, recorded_by_id=actor.id)
    db.session.add(record)
    _advance(decision, step, result.passed)
    db.session.flush()
    audit.record(actor, "decision.step", "decision", decision.id, org_id=decision.branch_id,
                 step=step.name, passed=result.passed, outcome=result.reason,
                 status=decision.status)
    db.session.commit()
    return record


def _check_date(decision: Decision, held_on: date) -> None:
    """Steps are dated in order and never in the future."""
    if held_on > clock.today():
        raise StepError(f"日期不能晚于今天：{held_on.isoformat()}还没到。")
    last = db.session.scalar(select(DecisionStep).where(DecisionStep.decision_id == decision.id)
                             .order_by(DecisionStep.id.desc()).limit(1))
    if last is not None and held_on < last.held_on:
        raise StepError(f"日期不能早于上一步“{last.name}”的日期（{last.held_on.isoformat()}）："
                        "各步骤要按先后顺序进行。")


def villager_rep_kind_codes() -> set[str]:
    """Meeting kinds that include villager representatives (村民代表会议, 党群联席会议). The
    one place a decision step asks who a meeting's circle is."""
    from ..meetings.services import representative_kind_codes

    return representative_kind_codes()


def _allowed_kinds(decision: Decision, step: ProcedureStep) -> tuple[set[str], str] | None:
    """(kind codes, plain words) of the meetings this step may link, or None for any."""
    from ..meetings.models import MeetingKind

    rule = step_meeting_rule(decision.procedure.code, step.position)
    if rule is None:
        return None
    codes = villager_rep_kind_codes() if rule == WITH_VILLAGER_REPS else {rule}
    names = db.session.scalars(select(MeetingKind.name).where(MeetingKind.code.in_(codes))
                               .order_by(MeetingKind.sort_order)).all()
    words = "、".join(names) or "相应会议"
    if rule == WITH_VILLAGER_REPS:
        words = f"有村民代表参加的会议（{words}）"
    return codes, words


def _check_meeting(decision: Decision, step: ProcedureStep, data: StepInput) -> None:
    """A linked meeting: of this branch, held (closed) on or before the step's date, and of
    the kind the step happens at (党员大会审议 → 支部党员大会 …)."""
    from ..meetings.models import Meeting, MeetingStatus

    meeting = db.session.get(Meeting, data.meeting_id)
    if meeting is None or meeting.branch_id != decision.branch_id:
        raise StepError("只能关联本支部的会议。")
    day = clock.local_date(meeting.starts_at)
    if meeting.status == MeetingStatus.CANCELLED:
        raise StepError(f"所选会议（{day.isoformat()}）已取消，不能关联。")
    if meeting.starts_at > clock.now():
        raise StepError(f"所选会议定在{day.isoformat()}，还没有召开，不能关联。")
    if meeting.status != MeetingStatus.CLOSED:
        raise StepError(f"所选会议（{day.isoformat()}）还没有结束记录：请先在会议里填写"
                        "会议记录并结束会议。")
    if day > data.held_on:
        raise StepError(f"所选会议在{day.isoformat()}召开，晚于这一步的日期"
                        f"（{data.held_on.isoformat()}）。")
    allowed = _allowed_kinds(decision, step)
    if allowed is not None and not any(kind.code in allowed[0] for kind in meeting.kinds):
        held = meeting.kind_names or "未注明类型的会议"
        raise StepError(f"“{step.name}”要关联{allowed[1]}；所选会议是{held}，不能关联。")


def linkable_meetings(branch_id: int, limit: int = 40) -> list[tuple[int, str]]:
    """The branch's recent meetings, newest first, as (id, label) for the step form; the
    label names the kinds, so the right one is easy to pick (the service checks it)."""
    from ..meetings.models import Meeting

    meetings = db.session.scalars(
        select(Meeting).where(Meeting.branch_id == branch_id)
        .options(selectinload(Meeting.kinds))
        .order_by(Meeting.starts_at.desc()).limit(limit)).all()
    return [(m.id, f"{clock.to_local(m.starts_at):%Y-%m-%d} {m.kind_names} · {m.topic}"
                   + ("" if m.status == "closed" else f"（{m.status_label}）"))
            for m in meetings]


def _with_meeting_counts(branch_id: int, step: ProcedureStep, data: StepInput) -> StepInput:
    if step.is_meeting and data.meeting_id:
        # (the meeting was checked by _check_meeting) A rule counted against 应到 is a party members' meeting: only full members count.
        counts = meeting_attendance(data.meeting_id,
                                    full_members_only=step.pass_base == "expected")
        if counts is not None:
            data.expected, data.present = counts
    if step.is_meeting:
        _require_counts(data)
    if step.is_vote:
        _require_votes(data)
    return data


def _require_counts(data: StepInput) -> None:
    if data.expected is None or data.present is None or data.expected <= 0:
        raise StepError("请填写应到和实到人数。")
    if data.present > data.expected:
        raise StepError("实到人数不能多于应到人数。")


def _require_votes(data: StepInput) -> None:
    votes = (data.votes_for, data.votes_against, data.votes_abstain)
    if any(v is None for v in votes):
        raise StepError("请填写赞成、反对、弃权票数。")
    if sum(votes) > data.present:
        raise StepError("票数合计不能多于实到人数。")


def _advance(decision: Decision, step: ProcedureStep, passed: bool) -> None:
    decision.updated_at = clock.now()
    if passed:
        decision.next_position = step.position + 1
        if decision.next_position > len(decision.procedure.steps):
            decision.status = DecisionStatus.DONE
    elif step.on_fail == "return" and step.return_to:
        decision.next_position = step.return_to
    else:
        decision.status = DecisionStatus.ENDED


def branch_decisions(branch_ids) -> list[Decision]:
    return list(db.session.scalars(
        select(Decision).where(Decision.branch_id.in_(list(branch_ids)))
        .options(selectinload(Decision.records),
                 selectinload(Decision.procedure).selectinload(Procedure.steps))
        .order_by(Decision.updated_at.desc(), Decision.id.desc())))


# Steps from 第5步 on (决议公开, 实施结果公开) are the published outcome of a decision: the
# results tab shows their public text; the earlier steps belong to the decisions tab.
PUBLISHED_FROM = 5


@dataclass(slots=True)
class PublishedStep:
    name: str
    held_on: date
    public_text: str


@dataclass(slots=True)
class DecisionResult:
    """A decision as the public results tab shows it: plain columns and its published steps."""

    id: int
    title: str
    status: str
    updated_at: datetime
    published: list[PublishedStep] = field(default_factory=list)


def published_results(branch_id: int) -> list[DecisionResult]:
    """The branch's decisions that are done or past 第5步, newest first, each with its
    published steps in the order recorded (one query, no procedure or earlier steps)."""
    step = and_(DecisionStep.decision_id == Decision.id, DecisionStep.position >= PUBLISHED_FROM)
    rows = db.session.execute(
        select(Decision.id, Decision.title, Decision.status, Decision.updated_at,
               DecisionStep.name, DecisionStep.held_on, DecisionStep.public_text)
        .outerjoin(DecisionStep, step)
        .where(Decision.branch_id == branch_id,
               (Decision.status == DecisionStatus.DONE) | DecisionStep.id.is_not(None))
        .order_by(Decision.updated_at.desc(), Decision.id.desc(), DecisionStep.id))
    results: dict[int, DecisionResult] = {}
    for row in rows:
        result = results.setdefault(row[0], DecisionResult(*row[:4]))
        if row.name is not None:
            result.published.append(PublishedStep(*row[4:]))
    return list(results.values())


def roster_counts(branch_id: int) -> dict[str, int]:
    """Default 应到 for the members' meeting (full members: probationary members do not
    vote) and the villager representatives' meeting."""
    from ..models import Organization

    branch = db.session.get(Organization, branch_id)
    inside = select(Organization.id).where(Organization.path.startswith(branch.path))
    active = (Membership.ended_on.is_(None)) | (Membership.ended_on > clock.today())
    full = select(func.count(func.distinct(Person.id))).join(Membership).where(
        Membership.org_id.in_(inside), Membership.role == Role.MEMBER, active,
        Person.party_status == PartyStatus.FULL, Person.active.is_(True))
    reps = select(func.count(func.distinct(Person.id))).join(Membership).where(
        Membership.org_id.in_(inside), Membership.role == Role.VILLAGER_REP, active,
        Person.active.is_(True))
    return {"full_members": db.session.scalar(full) or 0, "reps": db.session.scalar(reps) or 0}
