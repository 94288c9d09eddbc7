"""Check-ins made at the door without signal (pretixSCAN's offline mode is the model).

The door's phone keeps each check-in with a unique nonce and the time it was made, and sends
them in one batch when the network returns. The server stores each nonce once (a replayed
sync stores nothing twice), verifies personal codes scanned offline (the phone does not hold
every member's code), and marks lateness by the time the check-in was made, bounded by the
meeting's window. A member already checked in elsewhere is harmless. A fixed number of
queries whatever the batch size.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from .. import audit, clock
from ..extensions import db
from .checkin import is_late
from .door import CODE_PREFIX
from .models import (CheckIn, CheckInMethod, LeaveRequest, LeaveStatus, Meeting, MeetingAttendee,
                     MeetingStatus, MemberCode, OfflineCheckIn)

MAX_BATCH = 300
NONCE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")

STORED, ALREADY, BAD_CODE, NOT_ON_LIST, CLOSED = (
    "stored", "already", "bad_code", "not_on_list", "closed")
OUTCOME_TEXT = {
    STORED: "已上传",
    ALREADY: "已签到过，无需重复",
    BAD_CODE: "签到码无效或已作废，没有签上，请当面核对",
    NOT_ON_LIST: "不在本次会议的应到名单中，没有签上",
    CLOSED: "会议已取消或已归档，没有签上",
}


@dataclass(frozen=True)
class OfflineItem:
    nonce: str
    made_at: datetime
    person_id: int | None = None
    code: str | None = None


def parse_batch(payload) -> tuple[list[OfflineItem], str | None]:
    """The JSON the door's phone sends: {"items": [{nonce, made_at (ms since epoch),
    person_id | code}]}. Returns the items, or a reason in Chinese."""
    items = payload.get("items") if isinstance(payload, dict) else None
    if not isinstance(items, list) or not items:
        return [], "没有要上传的签到。"
    if len(items) > MAX_BATCH:
        return [], f"一次最多上传{MAX_BATCH}条，请分批。"
    parsed = []
    for raw in items:
        item = _parse_item(raw)
        if item is None:
            return [], "上传的数据不完整，请刷新页面后再试。"
        parsed.append(item)
    return parsed, None


def _parse_item(raw) -> OfflineItem | None:
    if not isinstance(raw, dict) or not NONCE.match(str(raw.get("nonce", ""))):
        return None
    made = raw.get("made_at")
    if not isinstance(made, (int, float)) or isinstance(made, bool) or not 0 < made < 4e12:
        return None
    person_id, code = raw.get("person_id"), raw.get("code")
    if isinstance(person_id, int) and not isinstance(person_id, bool) and 0 < person_id < 2**31:
        code = None
    elif isinstance(code, str) and 0 < len(code.strip()) <= 40 and "\x00" not in code:
        person_id, code = None, code.strip().upper()
    else:
        return None
    made_at = datetime.fromtimestamp(made / 1000, tz=clock.UTC)
    return OfflineItem(raw["nonce"], made_at, person_id, code)


def made_at_in_window(meeting: Meeting, made_at: datetime, now: datetime) -> datetime:
    """The phone's clock, bounded by the meeting's window (and never after now)."""
    opens = meeting.starts_at - timedelta(minutes=meeting.checkin_opens_minutes)
    return max(opens, min(made_at, meeting.ends_at, now))


def sync_offline_check_ins(actor, meeting: Meeting, items: list[OfflineItem]) -> dict[str, str]:
    """Store a batch from the door's phone (commits). Returns each nonce's outcome; a nonce
    seen before answers its first outcome and stores nothing."""
    for attempt in range(3):
        try:
            return _sync(actor, meeting, items)
        except IntegrityError:      # a QR scan or another sync of the same batch won the race
            db.session.rollback()
    raise RuntimeError("offline sync kept colliding")


def _sync(actor, meeting: Meeting, items: list[OfflineItem]) -> dict[str, str]:
    nonces = list(dict.fromkeys(item.nonce for item in items))
    outcomes = dict(db.session.execute(select(OfflineCheckIn.nonce, OfflineCheckIn.outcome)
                                       .where(OfflineCheckIn.nonce.in_(nonces))).all())
    fresh = list({item.nonce: item for item in items if item.nonce not in outcomes}.values())
    if not fresh:
        return outcomes
    people = _people_for_codes({item.code for item in fresh if item.code})
    on_list = set(db.session.scalars(select(MeetingAttendee.person_id).where(
        MeetingAttendee.meeting_id == meeting.id)))
    present = set(db.session.scalars(select(CheckIn.person_id).where(
        CheckIn.meeting_id == meeting.id)))
    now = clock.now()
    open_meeting = meeting.status not in (MeetingStatus.CANCELLED, MeetingStatus.CLOSED)
    records, check_ins = [], {}
    for item in sorted(fresh, key=lambda i: i.made_at):
        person_id = item.person_id if item.code is None else people.get(_bare(item.code))
        outcome = (CLOSED if not open_meeting else BAD_CODE if person_id is None
                   else NOT_ON_LIST if person_id not in on_list
                   else ALREADY if person_id in present else STORED)
        if outcome == STORED:
            present.add(person_id)
            at = made_at_in_window(meeting, item.made_at, now)
            check_ins[item.nonce] = CheckIn(
                meeting_id=meeting.id, person_id=person_id, at=at, late=is_late(meeting, at),
                method=CheckInMethod.DOOR_CODE if item.code else CheckInMethod.MANUAL,
                recorded_by_id=actor.id)
        records.append(OfflineCheckIn(
            nonce=item.nonce, meeting_id=meeting.id, recorded_by_id=actor.id,
            person_id=person_id, code=item.code, made_at=item.made_at, received_at=now,
            outcome=outcome))
        outcomes[item.nonce] = outcome
    _store(actor, meeting, records, check_ins)
    return outcomes


def _store(actor, meeting: Meeting, records: list[OfflineCheckIn], check_ins: dict) -> None:
    db.session.add_all(check_ins.values())
    db.session.flush()
    for record in records:
        if record.nonce in check_ins:
            record.check_in_id = check_ins[record.nonce].id
    db.session.add_all(records)
    stored = [c.person_id for c in check_ins.values()]
    if stored:   # members on leave who came after all: the leave is withdrawn
        db.session.execute(update(LeaveRequest).where(
            LeaveRequest.meeting_id == meeting.id, LeaveRequest.person_id.in_(stored),
            LeaveRequest.status.in_((LeaveStatus.PENDING, LeaveStatus.APPROVED)))
            .values(status=LeaveStatus.WITHDRAWN))
    audit.record(actor, "check_in.offline_sync", "meeting", meeting.id, org_id=meeting.org_id,
                 received=len(records), stored=stored)
    db.session.commit()


def _bare(code: str) -> str:
    return code[len(CODE_PREFIX):] if code.startswith(CODE_PREFIX) else code


def _people_for_codes(codes: set[str]) -> dict[str, int]:
    if not codes:
        return {}
    return dict(db.session.execute(select(MemberCode.code, MemberCode.person_id).where(
        MemberCode.code.in_({_bare(code) for code in codes}),
        MemberCode.revoked_at.is_(None))).all())


def outcome_text(outcome: str) -> str:
    return OUTCOME_TEXT[outcome]
