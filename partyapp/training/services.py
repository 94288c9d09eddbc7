"""Training counted per person (004 §22 §25; 003 §21): each branch secretary's 年度轮训 (at
least once a year, at least one day) and each member's yearly class hours (32 by default,
TRAINING_MEMBER_HOURS). Hours come from three places, one query each:
- the town's own sessions (书记轮训, 党员集中培训), planned here with their participants and
  checked in by the town;
- external courses entered as records (县委党校, 网络党校 …);
- branch meetings of the kind 党员教育培训 (meetings' tables, read for figures): each present
  member earns the meeting's length in hours.
The town sees who is missing by the year's end; from 1 December the clock tells each secretary
still without 轮训, and the town admins, once a year."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from sqlalchemy import case, func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .. import audit, clock
from ..extensions import db
from ..meetings.models import CheckIn, Meeting, MeetingKind, MeetingStatus, meeting_kind_link
from ..models import Membership, Organization, OrgKind, Person, Role
from ..notify.services import notify
from .models import (TrainingKind, TrainingParticipant, TrainingRecord, TrainingReminder,
                     TrainingSession)

MEETING_KIND = "training"            # the meeting kind 党员教育培训 (meetings' DEFAULT_KINDS)
TITLE_MAX, PLACE_MAX, PROVIDER_MAX = 120, 120, 80
MAX_DAYS, MAX_HOURS = 60, 500
REMIND_FROM_MONTH = 12


class TrainingError(ValueError):
    """A training that may not be recorded; the message is Chinese."""


def member_target() -> float:
    return float(current_app.config.get("TRAINING_MEMBER_HOURS", 32))


def rotation_min_days() -> float:
    return float(current_app.config.get("TRAINING_ROTATION_DAYS", 1))


# ---- counting ------------------------------------------------------------------------------------
@dataclass
class Tally:
    hours: float = 0.0
    rotation_days: float = 0.0            # the longest 轮训 of the year
    items: list[tuple[date, str, float]] = field(default_factory=list)

    @property
    def rotation_done(self) -> bool:
        return self.rotation_days >= rotation_min_days()

    def add(self, day: date, title: str, hours: float, rotation_days: float = 0.0) -> None:
        self.hours += hours
        self.rotation_days = max(self.rotation_days, rotation_days)
        self.items.append((day, title, hours))


def _year_bounds(year: int):
    return date(year, 1, 1), date(year, 12, 31)


def tallies(person_ids, year: int) -> dict[int, Tally]:
    """person id -> their training of the year (three queries, whatever the number)."""
    ids = list(set(person_ids))
    found = {pid: Tally() for pid in ids}
    if not ids:
        return found
    first, last = _year_bounds(year)
    for pid, kind, title, day, days, hours in db.session.execute(
            select(TrainingParticipant.person_id, TrainingSession.kind, TrainingSession.title,
                   TrainingSession.starts_on, TrainingSession.days, TrainingSession.hours)
            .join(TrainingSession, TrainingSession.id == TrainingParticipant.session_id)
            .where(TrainingParticipant.person_id.in_(ids),
                   TrainingParticipant.checked_in_at.is_not(None),
                   TrainingSession.starts_on.between(first, last))):
        found[pid].add(day, title, hours, days if kind == TrainingKind.ROTATION else 0.0)
    for pid, title, day, days, hours, rotation in db.session.execute(
            select(TrainingRecord.person_id, TrainingRecord.title, TrainingRecord.started_on,
                   TrainingRecord.days, TrainingRecord.hours, TrainingRecord.rotation)
            .where(TrainingRecord.person_id.in_(ids),
                   TrainingRecord.started_on.between(first, last))):
        found[pid].add(day, title, hours, days if rotation else 0.0)
    # The year's 党员教育培训 meetings first (a few), then their check-ins (by the meeting index).
    trainings = _training_meetings(year)
    for pid, topic, starts, ends in db.session.execute(
            select(CheckIn.person_id, Meeting.topic, Meeting.starts_at, Meeting.ends_at)
            .join(Meeting, Meeting.id == CheckIn.meeting_id)
            .where(CheckIn.meeting_id.in_(trainings), CheckIn.person_id.in_(ids))):
        found[pid].add(clock.local_date(starts), topic, meeting_hours(starts, ends))
    return found


def year_totals(people, year: int) -> dict[int, Tally]:
    """Like `tallies` without the lines, for thousands of people at once: `people` is a
    SELECT of person ids (no long IN list to bind); sums are grouped in the database."""
    first, last = _year_bounds(year)
    found: dict[int, Tally] = {}

    def tally(pid):
        return found.setdefault(pid, Tally())

    rotation_days = case((TrainingSession.kind == TrainingKind.ROTATION, TrainingSession.days),
                         else_=0)
    for pid, hours, days in db.session.execute(
            select(TrainingParticipant.person_id, func.sum(TrainingSession.hours),
                   func.max(rotation_days))
            .join(TrainingSession, TrainingSession.id == TrainingParticipant.session_id)
            .where(TrainingParticipant.person_id.in_(people),
                   TrainingParticipant.checked_in_at.is_not(None),
                   TrainingSession.starts_on.between(first, last))
            .group_by(TrainingParticipant.person_id)):
        entry = tally(pid)
        entry.hours += hours or 0
        entry.rotation_days = max(entry.rotation_days, days or 0)
    record_days = case((TrainingRecord.rotation, TrainingRecord.days), else_=0)
    for pid, hours, days in db.session.execute(
            select(TrainingRecord.person_id, func.sum(TrainingRecord.hours), func.max(record_days))
            .where(TrainingRecord.person_id.in_(people),
                   TrainingRecord.started_on.between(first, last))
            .group_by(TrainingRecord.person_id)):
        entry = tally(pid)
        entry.hours += hours or 0
        entry.rotation_days = max(entry.rotation_days, days or 0)
    for pid, starts, ends in db.session.execute(
            select(CheckIn.person_id, Meeting.starts_at, Meeting.ends_at)
            .join(Meeting, Meeting.id == CheckIn.meeting_id)
            .where(CheckIn.meeting_id.in_(_training_meetings(year)),
                   CheckIn.person_id.in_(people))):
        tally(pid).hours += meeting_hours(starts, ends)
    return found


def _training_meetings(year: int):
    first = date(year, 1, 1)
    return (select(Meeting.id)
            .join(meeting_kind_link, meeting_kind_link.c.meeting_id == Meeting.id)
            .join(MeetingKind, MeetingKind.id == meeting_kind_link.c.kind_id)
            .where(MeetingKind.code == MEETING_KIND, Meeting.status == MeetingStatus.CLOSED,
                   Meeting.starts_at >= clock.local_datetime(first),
                   Meeting.starts_at < clock.local_datetime(date(year + 1, 1, 1))))


def meeting_hours(starts, ends) -> float:
    """A training meeting's length in hours, to the half hour."""
    return round((ends - starts).total_seconds() / 1800) / 2


# ---- who -----------------------------------------------------------------------------------------------
def _current(today: date):
    return (Membership.ended_on.is_(None)) | (Membership.ended_on > today)


@dataclass(frozen=True)
class Named:
    """A person as the town's lists show them: id and name only (thousands of rows)."""

    id: int
    name: str


def _town_holders(town: Organization, roles):
    """SELECT of the ids of people holding one of `roles` in the town's organisations."""
    return (select(Membership.person_id).join(Organization, Organization.id == Membership.org_id)
            .where(Organization.path.startswith(town.path), Membership.role.in_(roles),
                   _current(clock.today())))


def town_people(town: Organization, role: str) -> list[tuple[Named, Organization]]:
    """(person, their branch) for everyone holding `role` in the town's branches and groups;
    a group's member belongs to its branch. Two queries, plain columns for the people."""
    orgs = {o.id: o for o in db.session.scalars(select(Organization).where(
        Organization.path.startswith(town.path), Organization.active,
        Organization.kind.in_((OrgKind.BRANCH, OrgKind.GENERAL_BRANCH, OrgKind.GROUP))))}
    rows = db.session.execute(
        select(Person.id, Person.name, Membership.org_id)
        .join(Membership, Membership.person_id == Person.id)
        .join(Organization, Organization.id == Membership.org_id)
        .where(Organization.path.startswith(town.path), Organization.active,
               Membership.role == role, _current(clock.today()), Person.active.is_(True),
               Person.party_status.is_not(None))
        .order_by(Organization.path, Person.name_pinyin, Person.id)).all()
    seen, result = set(), []
    for person_id, name, org_id in rows:
        org = orgs.get(org_id)
        branch = orgs.get(org.parent_id) if org is not None and org.kind == OrgKind.GROUP else org
        if person_id not in seen and branch is not None:
            seen.add(person_id)
            result.append((Named(person_id, name), branch))
    return result


@dataclass
class PersonRow:
    person: Person | Named
    branch: Organization
    tally: Tally
    secretary: bool = False


def town_rows(town: Organization, year: int) -> tuple[list[PersonRow], list[PersonRow]]:
    """(secretaries, members) of the town with their year's training."""
    secretaries = town_people(town, Role.SECRETARY)
    members = town_people(town, Role.MEMBER)
    counts = year_totals(_town_holders(town, (Role.SECRETARY, Role.MEMBER)), year)
    none = Tally()
    return ([PersonRow(p, b, counts.get(p.id, none), True) for p, b in secretaries],
            [PersonRow(p, b, counts.get(p.id, none)) for p, b in members])


@dataclass
class TownTraining:
    """The town dashboard's figures: secretaries without 轮训, members below the target."""

    year: int
    missing_rotation: list[PersonRow]
    below_target: dict[int, int]           # branch id -> members below the yearly hours
    members: dict[int, int]                # branch id -> members counted
    target: float


def town_training(town: Organization, year: int) -> TownTraining:
    secretaries, members = town_rows(town, year)
    target = member_target()
    below, counted = {}, {}
    for row in members:
        counted[row.branch.id] = counted.get(row.branch.id, 0) + 1
        if row.tally.hours < target:
            below[row.branch.id] = below.get(row.branch.id, 0) + 1
    return TownTraining(year, [r for r in secretaries if not r.tally.rotation_done], below,
                        counted, target)


def branch_rows(branch: Organization, year: int) -> list[PersonRow]:
    """The branch's members with their year's training (the secretary marked)."""
    today = clock.today()
    rows = db.session.execute(
        select(Person, Membership.role).join(Membership, Membership.person_id == Person.id)
        .join(Organization, Organization.id == Membership.org_id)
        .where(Organization.path.startswith(branch.path), _current(today),
               Membership.role.in_((Role.MEMBER, Role.SECRETARY)), Person.active.is_(True),
               Person.party_status.is_not(None))
        .order_by(Person.name_pinyin, Person.id)).all()
    people, secretaries = {}, set()
    for person, role in rows:
        people[person.id] = person
        if role == Role.SECRETARY:
            secretaries.add(person.id)
    counts = tallies(people, year)
    return [PersonRow(p, branch, counts[pid], pid in secretaries) for pid, p in people.items()]


# ---- the town's sessions ---------------------------------------------------------------------------
def sessions_of(town: Organization, year: int) -> list[TrainingSession]:
    first, last = _year_bounds(year)
    return list(db.session.scalars(select(TrainingSession).where(
        TrainingSession.org_id == town.id, TrainingSession.starts_on.between(first, last))
        .order_by(TrainingSession.starts_on.desc(), TrainingSession.id.desc())))


def session_in(session_id: int) -> TrainingSession | None:
    return db.session.get(TrainingSession, session_id)


def participants(session: TrainingSession) -> list[TrainingParticipant]:
    return list(db.session.scalars(
        select(TrainingParticipant).where(TrainingParticipant.session_id == session.id)
        .join(Person, Person.id == TrainingParticipant.person_id)
        .order_by(Person.name_pinyin, Person.id)))


def _check_amounts(title: str, day: date | None, days: float | None, hours: float | None,
                   max_title: int = TITLE_MAX) -> None:
    if not title or not title.strip():
        raise TrainingError("请填写培训名称")
    if len(title) > max_title:
        raise TrainingError(f"培训名称最多{max_title}个字")
    if day is None:
        raise TrainingError("请填写日期")
    if not date(clock.today().year - 1, 1, 1) <= day <= date(clock.today().year + 1, 12, 31):
        raise TrainingError("日期只能在去年1月1日到明年12月31日之间")
    if days is None or not 0.5 <= days <= MAX_DAYS:
        raise TrainingError(f"天数请填0.5到{MAX_DAYS}")
    if hours is None or not 0.5 <= hours <= MAX_HOURS:
        raise TrainingError(f"学时请填0.5到{MAX_HOURS}")


def plan_session(town: Organization, kind: str, title: str, starts_on: date | None,
                 days: float | None, hours: float | None, place: str, actor) -> TrainingSession:
    """The town plans a training: 书记轮训 lists every branch secretary of the town, 党员集中
    培训 every party member. Audited; committed."""
    if kind not in TrainingKind.LABELS:
        raise TrainingError("请选择培训类别")
    _check_amounts(title, starts_on, days, hours)
    if len(place or "") > PLACE_MAX:
        raise TrainingError(f"地点最多{PLACE_MAX}个字")
    session = TrainingSession(org_id=town.id, kind=kind, title=title.strip(), starts_on=starts_on,
                              days=days, hours=hours, place=(place or "").strip(),
                              planned_by_id=getattr(actor, "id", None))
    db.session.add(session)
    db.session.flush()
    role = Role.SECRETARY if kind == TrainingKind.ROTATION else Role.MEMBER
    people = {p.id for p, _ in town_people(town, role)}
    if people:
        db.session.execute(TrainingParticipant.__table__.insert(),
                           [{"session_id": session.id, "person_id": pid} for pid in people])
    audit.record(actor, "training.plan", "training_session", session.id, org_id=town.id,
                 name=session.title, kind=TrainingKind.LABELS[kind], on=starts_on,
                 participants=len(people))
    db.session.commit()
    return session


def check_in(session: TrainingSession, person_ids, actor) -> int:
    """The town checks participants in by hand (one conditional update: checking someone in
    twice changes nothing). Returns how many were newly checked in."""
    ids = {int(pid) for pid in person_ids}
    if session.starts_on > clock.today():
        raise TrainingError("培训还没开始，不能签到")
    if not ids:
        raise TrainingError("请勾选到场的人")
    count = db.session.execute(update(TrainingParticipant).where(
        TrainingParticipant.session_id == session.id, TrainingParticipant.person_id.in_(ids),
        TrainingParticipant.checked_in_at.is_(None))
        .values(checked_in_at=clock.now(), checked_in_by_id=getattr(actor, "id", None))).rowcount
    audit.record(actor, "training.check_in", "training_session", session.id,
                 org_id=session.org_id, name=session.title, count=count)
    db.session.commit()
    return count


# ---- external courses ------------------------------------------------------------------------------
def add_record(org: Organization, person: Person, title: str, provider: str,
               started_on: date | None, days: float | None, hours: float | None,
               rotation: bool, actor) -> TrainingRecord:
    _check_amounts(title, started_on, days, hours)
    if started_on > clock.today():
        raise TrainingError("还没参加的培训不能登记")
    if len(provider or "") > PROVIDER_MAX:
        raise TrainingError(f"举办单位最多{PROVIDER_MAX}个字")
    record = TrainingRecord(person_id=person.id, org_id=org.id, title=title.strip(),
                            provider=(provider or "").strip(), started_on=started_on, days=days,
                            hours=hours, rotation=bool(rotation),
                            entered_by_id=getattr(actor, "id", None))
    db.session.add(record)
    db.session.flush()
    audit.record(actor, "training.record", "training_record", record.id, org_id=org.id,
                 name=person.name, title=record.title, hours=hours, rotation=record.rotation)
    db.session.commit()
    return record


# ---- the clock ----------------------------------------------------------------------------------------
def send_year_end_reminders() -> int:
    """Job: from 1 December, each secretary still without 轮训 this year, and the town admins
    (one list), are told once a year — the unique (person, year) row is the claim."""
    today = clock.today()
    if today.month < REMIND_FROM_MONTH:
        return 0
    sent = 0
    for town in db.session.scalars(select(Organization).where(Organization.kind == OrgKind.TOWN,
                                                              Organization.active)):
        missing = town_training(town, today.year).missing_rotation
        if not missing:
            continue
        admins = [pid for pid, _ in _town_admins(town)]
        claimed = _claim([r.person.id for r in missing] + admins, today.year)
        for row in missing:
            if row.person.id in claimed:
                notify([row.person.id], f"{today.year}年您还没有参加支部书记轮训",
                       "每年至少轮训1次、不少于1天。请报名镇里的轮训，或把参加的培训交给镇党委登记。",
                       "/training/mine", kind="training")
                sent += 1
        fresh_admins = [pid for pid in admins if pid in claimed]
        if fresh_admins:
            names = "、".join(f"{r.person.name}（{r.branch.name}）" for r in missing)
            notify(fresh_admins, f"{len(missing)}名支部书记{today.year}年还没有轮训", names,
                   f"/training/town/{town.id}", kind="training")
            sent += len(fresh_admins)
    db.session.commit()
    return sent


def _town_admins(town: Organization):
    return db.session.execute(select(Person.id, Membership.org_id).join(
        Membership, Membership.person_id == Person.id).where(
        Membership.org_id == town.id, Membership.role == Role.TOWN_ADMIN,
        _current(clock.today()))).all()


def _claim(person_ids, year: int) -> set[int]:
    ids = sorted(set(person_ids))
    if not ids:
        return set()
    insert = postgresql_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    statement = (insert(TrainingReminder)
                 .values([{"person_id": pid, "year": year, "sent_at": clock.now()} for pid in ids])
                 .on_conflict_do_nothing(index_elements=["person_id", "year"])
                 .returning(TrainingReminder.person_id))
    return {row[0] for row in db.session.execute(statement)}


# ---- 我的 ---------------------------------------------------------------------------------------------
def me_section(person):
    if not person.is_party_member:
        return None
    return "training/_me_section.html", {}
