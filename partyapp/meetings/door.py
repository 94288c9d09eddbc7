"""Door mode: personal check-in codes (one active code per person, printed on a card or shown
on 我的, revoked when reissued, and the lookup a door scanner does); the door's list (search by
name or pinyin initials, not yet arrived first) and undo for a minute."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from pypinyin import Style, lazy_pinyin
from sqlalchemy import select, update

from .. import audit, clock
from ..extensions import db
from .attendance import AttendeeRow, attendee_rows
from .models import CheckIn, CheckInMethod, Meeting, MemberCode


# ---- personal check-in codes --------------------------------------------------------------------
CODE_PREFIX = "PAM-"


def active_code(person_id: int) -> MemberCode | None:
    return db.session.scalar(select(MemberCode).where(MemberCode.person_id == person_id,
                                                      MemberCode.revoked_at.is_(None)))


def issue_code(actor, person_id: int) -> MemberCode:
    """Revoke the current code (if any) and issue a new one (commits)."""
    db.session.execute(update(MemberCode).where(MemberCode.person_id == person_id,
                                                MemberCode.revoked_at.is_(None))
                       .values(revoked_at=clock.now()))
    code = MemberCode(person_id=person_id, code=secrets.token_hex(8).upper())
    db.session.add(code)
    audit.record(actor, "member_code.issue", "person", person_id)
    db.session.commit()
    return code


def codes_for(person_ids: list[int], actor) -> dict[int, str]:
    """Active codes for many people, issuing the missing ones (for the card sheet)."""
    found = dict(db.session.execute(
        select(MemberCode.person_id, MemberCode.code).where(
            MemberCode.person_id.in_(person_ids), MemberCode.revoked_at.is_(None))).all())
    missing = [pid for pid in person_ids if pid not in found]
    if missing:   # first cards for these people: nothing to revoke, one insert
        new_codes = {pid: secrets.token_hex(8).upper() for pid in missing}
        db.session.add_all(MemberCode(person_id=pid, code=code) for pid, code in new_codes.items())
        audit.record(actor, "member_code.issue", "person", None, people=missing)
        db.session.commit()
        found.update(new_codes)
    return found


def person_for_code(text: str) -> int | None:
    code = (text or "").strip().upper()[:40]
    if code.startswith(CODE_PREFIX):
        code = code[len(CODE_PREFIX):]
    return db.session.scalar(select(MemberCode.person_id).where(
        MemberCode.code == code, MemberCode.revoked_at.is_(None)))


# ---- the door's list: search, not-yet-arrived first, undo -------------------------------------
UNDO_SECONDS = 60
DOOR_METHODS = (CheckInMethod.MANUAL, CheckInMethod.DOOR_CODE)


@dataclass
class DoorRow:
    row: AttendeeRow
    search: str            # name, pinyin initials and full pinyin, for the search box
    can_undo: bool = False


def _search_text(name: str) -> str:
    initials = "".join(lazy_pinyin(name, style=Style.FIRST_LETTER)).lower()
    return f"{name} {initials} {''.join(lazy_pinyin(name)).lower()}"


def _matches(search: str, query: str) -> bool:
    query = "".join((query or "").lower().split())[:20]
    return not query or any(part.startswith(query) or query in part
                            for part in search.split(" "))


def can_undo(check_in, actor_id: int, now: datetime | None = None) -> bool:
    """The recorder who checked someone in at the door may take it back for a minute."""
    now = now or clock.now()
    return (check_in is not None and check_in.method in DOOR_METHODS
            and check_in.recorded_by_id == actor_id
            and timedelta(0) <= now - check_in.at <= timedelta(seconds=UNDO_SECONDS))


def door_rows(meeting_id: int, actor_id: int, query: str = "") -> list[DoorRow]:
    """The expected list for the door: not yet arrived first (pinyin order), then the latest
    arrivals; filtered by name or pinyin initials ("zxy")."""
    now = clock.now()
    rows = [DoorRow(row, _search_text(row.person.name), can_undo(row.check_in, actor_id, now))
            for row in attendee_rows(meeting_id)]
    rows = [r for r in rows if _matches(r.search, query)]
    waiting = [r for r in rows if r.row.check_in is None]
    arrived = sorted((r for r in rows if r.row.check_in is not None),
                     key=lambda r: r.row.check_in.at, reverse=True)
    return waiting + arrived


def door_row(meeting_id: int, person_id: int, actor_id: int) -> DoorRow | None:
    return next((r for r in door_rows(meeting_id, actor_id) if r.row.person.id == person_id),
                None)


def undo_check_in(actor, meeting: Meeting, person_id: int) -> str | None:
    """Take back a door check-in made by this recorder less than a minute ago (audited,
    commits). None when done, else the reason in Chinese."""
    row = db.session.scalar(select(CheckIn).where(CheckIn.meeting_id == meeting.id,
                                                  CheckIn.person_id == person_id))
    if row is None:
        return "这个人还没有签到，无需撤销。"
    if not can_undo(row, actor.id):
        return "只能在一分钟内撤销自己在门口登记的签到。"
    audit.record(actor, "check_in.undo", "meeting", meeting.id, org_id=meeting.org_id,
                 person_id=person_id, method=row.method, at=row.at)
    db.session.delete(row)
    db.session.commit()
    return None
