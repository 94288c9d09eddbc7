"""Checking in: the rotating QR token, the rules of the window, and the one insert.

The token is an HMAC over the meeting id and a 15-second slot counted by partyapp.clock, so
tests can travel in time. A token is accepted for its slot and the next one (at most 30 s old).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import math
import secrets
from functools import cache
from types import SimpleNamespace
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, bindparam, func, insert, select, update
from sqlalchemy.orm import aliased
from sqlalchemy.exc import IntegrityError, OperationalError

from .. import clock
from ..extensions import db, is_busy_error
from .models import (CheckIn, CheckInMethod, LeaveRequest, LeaveStatus, Meeting, MeetingAttendee,
                     PendingScan,
                     MeetingStatus)

SLOT_SECONDS = 15
PENDING_SCAN_MINUTES = 10
FAR_FROM_VENUE_METRES = 500

# Every refusal has its own reason, in the member's words.
REASONS = {
    "expired": "二维码已过期（超过30秒）。请让会议组织者刷新大屏，再扫一次新的二维码。",
    "invalid": "二维码不对，请扫描会场大屏上的签到二维码。",
    "not_started": "签到还没开始。会议开始前{minutes}分钟开放签到，请稍后再扫。",
    "ended": "会议已经结束，签到已关闭。如确实到会，请联系记录人补登。",
    "not_on_list": "您不在本次会议的应到名单中。如有疑问，请联系本支部书记。",
    "cancelled": "本次会议已取消，无需签到。",
    "closed": "本次会议已结束并归档，签到已关闭。",
    "scan_too_old": "扫码已超过10分钟，请重新扫描大屏上的二维码。",
    "busy": "签到没有成功，请重新扫码。",    # the database was busy: nothing was stored
}


def current_slot(at: datetime | None = None) -> int:
    return int((at or clock.now()).timestamp() // SLOT_SECONDS)


def _signature(meeting_id: int, slot: int) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, f"checkin:{meeting_id}:{slot}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:12]).decode().rstrip("=")


def make_token(meeting_id: int, slot: int | None = None) -> str:
    slot = current_slot() if slot is None else slot
    return f"{slot}-{_signature(meeting_id, slot)}"


def token_problem(meeting_id: int, token: str) -> str | None:
    """None when the token is good now, else the reason key ("expired" or "invalid")."""
    slot_text, _, signature = (token or "")[:64].partition("-")
    if not (slot_text.isascii() and slot_text.isdigit()) or not hmac.compare_digest(
            signature.encode(), _signature(meeting_id, int(slot_text)).encode()):
        return "invalid"
    now_slot = current_slot()
    if int(slot_text) > now_slot:
        return "invalid"
    if int(slot_text) < now_slot - 1:
        return "expired"
    return None


def window_problem(meeting: Meeting, at: datetime) -> str | None:
    if meeting.status == MeetingStatus.CANCELLED:
        return "cancelled"
    if meeting.status == MeetingStatus.CLOSED:
        return "closed"
    if at < meeting.starts_at - timedelta(minutes=meeting.checkin_opens_minutes):
        return "not_started"
    if at > meeting.ends_at:
        return "ended"
    return None


def reason_text(key: str, meeting: Meeting | None = None) -> str:
    minutes = meeting.checkin_opens_minutes if meeting is not None else 30
    return REASONS[key].format(minutes=minutes)


def is_late(meeting: Meeting, at: datetime) -> bool:
    return at > meeting.starts_at + timedelta(minutes=meeting.late_after_minutes)


@dataclass
class CheckInResult:
    ok: bool
    reason: str | None = None        # key of REASONS when refused
    at: datetime | None = None       # the (first) check-in time
    late: bool = False
    already: bool = False
    check_in_id: int | None = None


@dataclass
class PersonState:
    meeting: Meeting | None
    on_list: bool = False
    existing: CheckIn | None = None
    leave_id: int | None = None       # pending or approved leave, withdrawn if they come
    same_device: int = 0              # other people already checked in from this phone


def check_in(meeting: Meeting, person_id: int, *, method: str = CheckInMethod.QR,
             client_id: str | None = None, recorded_by_id: int | None = None,
             enforce_window: bool = True, state: PersonState | None = None) -> CheckInResult:
    """Check one person in: one read (possibly done already by the caller), one insert;
    a second scan returns the first time."""
    at = clock.now()
    problem = window_problem(meeting, at)
    if getattr(meeting, "backfilled", False):
        # 补记: the recorder enters who came, after the fact; they came at the start.
        at = meeting.starts_at
    if problem and (enforce_window or problem in ("cancelled", "closed")):
        return CheckInResult(False, problem)
    state = state or _person_state(meeting.id, person_id, client_id)
    if not state.on_list:
        return CheckInResult(False, "not_on_list")
    if state.existing is not None:
        return CheckInResult(True, at=state.existing.at, late=state.existing.late, already=True,
                             check_in_id=state.existing.id)
    late = is_late(meeting, at)
    values = dict(meeting_id=meeting.id, person_id=person_id, at=at, method=method, late=late,
                  client_id=client_id, recorded_by_id=recorded_by_id,
                  flag_shared_device=state.same_device > 0, flag_far=False)
    try:
        if state.leave_id is None and not state.same_device:
            row_id = _insert_alone(values)
        else:
            row_id = _insert_with_side_effects(values, state, meeting.id, client_id)
    except IntegrityError:     # the same person's other request won the race
        db.session.rollback()
        return _existing_result(meeting.id, person_id)
    except OperationalError as exc:
        if not is_busy_error(exc):
            raise
        db.session.rollback()   # the insert (and a leave's withdrawal) is all or nothing
        return CheckInResult(False, "busy")
    return CheckInResult(True, at=at, late=late, check_in_id=row_id)


def _insert_alone(values: dict) -> int:
    """The usual case: one INSERT committed on its own (autocommit), so the database's write
    lock is held for that statement only, never while Python code runs — what keeps 300
    phones in a minute from queueing behind each other on SQLite."""
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        return connection.execute(_insert_statement(), values).scalar_one()


def _insert_with_side_effects(values: dict, state: PersonState, meeting_id: int,
                              client_id: str | None) -> int:
    """A member on leave (the leave is withdrawn) or a shared phone (flag every check-in from
    it): one transaction."""
    row_id = db.session.execute(_insert_statement(), values).scalar_one()
    if state.leave_id is not None:
        db.session.execute(update(LeaveRequest).where(LeaveRequest.id == state.leave_id)
                           .values(status=LeaveStatus.WITHDRAWN))
    if state.same_device:
        _flag_device(meeting_id, client_id)
    db.session.commit()
    return row_id


@cache
def _state_statement():
    """Built once: constructing the expression costs more than running it."""
    meeting_id, person_id = bindparam("meeting_id"), bindparam("person_id")
    same_device = select(func.count(CheckIn.id)).where(
        CheckIn.meeting_id == meeting_id, CheckIn.client_id == bindparam("client_id"),
        CheckIn.person_id != person_id).scalar_subquery()
    existing = aliased(CheckIn)
    return (select(Meeting.id, Meeting.topic, Meeting.status, Meeting.starts_at, Meeting.ends_at,
                   Meeting.checkin_opens_minutes, Meeting.late_after_minutes, Meeting.lat,
                   MeetingAttendee.person_id.label("attendee_id"),
                   existing.id.label("existing_id"), existing.at.label("existing_at"),
                   existing.late.label("existing_late"), LeaveRequest.id.label("leave_id"),
                   same_device.label("same_device"))
            .select_from(Meeting)
            .outerjoin(MeetingAttendee, and_(MeetingAttendee.meeting_id == Meeting.id,
                                             MeetingAttendee.person_id == person_id))
            .outerjoin(existing, and_(existing.meeting_id == Meeting.id,
                                      existing.person_id == person_id))
            .outerjoin(LeaveRequest, and_(
                LeaveRequest.meeting_id == Meeting.id, LeaveRequest.person_id == person_id,
                LeaveRequest.status.in_((LeaveStatus.PENDING, LeaveStatus.APPROVED))))
            .where(Meeting.id == meeting_id))


@cache
def _insert_statement():
    return insert(CheckIn).returning(CheckIn.id)


def _person_state(meeting_id: int, person_id: int, client_id: str | None) -> PersonState:
    """The meeting, and whether the person is on its list, already checked in, on leave, and
    how many others used this phone — in ONE query (the hot path of a scan)."""
    row = db.session.execute(_state_statement(), {
        "meeting_id": meeting_id, "person_id": person_id, "client_id": client_id}).first()
    if row is None:
        return PersonState(None)
    existing = None if row.existing_id is None else SimpleNamespace(
        id=row.existing_id, at=row.existing_at, late=row.existing_late)
    # Plain columns, not an ORM object: the row has every field check_in() reads.
    return PersonState(row, row.attendee_id is not None, existing, row.leave_id,
                       row.same_device or 0)


def _flag_device(meeting_id: int, client_id: str) -> None:
    db.session.execute(update(CheckIn).where(CheckIn.meeting_id == meeting_id,
                                             CheckIn.client_id == client_id)
                       .values(flag_shared_device=True))


def _existing_result(meeting_id: int, person_id: int) -> CheckInResult:
    row = db.session.scalar(select(CheckIn).where(CheckIn.meeting_id == meeting_id,
                                                  CheckIn.person_id == person_id))
    if row is None:  # the failure was something else: report it as not done
        return CheckInResult(False, "invalid")
    return CheckInResult(True, at=row.at, late=row.late, already=True, check_in_id=row.id)


def remember_pending_scan(meeting_id: int) -> str:
    """A scan by a logged-out phone: stored for PENDING_SCAN_MINUTES, bound to that browser by
    the returned random token (its cookie; only the hash is kept)."""
    token = secrets.token_urlsafe(24)
    db.session.add(PendingScan(token_hash=_pending_hash(token), meeting_id=meeting_id,
                               scanned_at=clock.now()))
    db.session.commit()
    return token


def take_pending_scan(token: str | None, meeting_id: int, person_id: int) -> str | None:
    """Use the browser's pending scan, once: None when the check-in may go ahead, else the
    reason. A conditional UPDATE, so of any number of accounts or copies exactly one wins."""
    if not token or len(token) > 64:
        return "invalid"
    now = clock.now()
    used = db.session.execute(update(PendingScan).where(
        PendingScan.token_hash == _pending_hash(token), PendingScan.meeting_id == meeting_id,
        PendingScan.used_at.is_(None),
        PendingScan.scanned_at >= now - timedelta(minutes=PENDING_SCAN_MINUTES))
        .values(used_at=now, used_by_id=person_id)).rowcount
    if used == 1:
        db.session.commit()
        return None
    db.session.rollback()
    stale = db.session.scalar(select(PendingScan.id).where(
        PendingScan.token_hash == _pending_hash(token), PendingScan.meeting_id == meeting_id,
        PendingScan.used_at.is_(None)))
    return "scan_too_old" if stale else "invalid"


def sweep_pending_scans() -> None:
    """Hourly: pending scans a day old go (used or not; nothing can use them any more)."""
    db.session.execute(PendingScan.__table__.delete().where(
        PendingScan.scanned_at < clock.now() - timedelta(days=1)))
    db.session.commit()


def _pending_hash(token: str) -> str:
    return hashlib.sha256(("pending-scan:" + token).encode()).hexdigest()


def distance_metres(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance (haversine)."""
    radius = 6_371_000
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * radius * math.asin(math.sqrt(a))


def report_position(check_in_row: CheckIn, meeting: Meeting, lat: float, lng: float) -> None:
    """The phone's position after check-in: far from the venue raises a flag (never blocks)."""
    if meeting.lat is None or meeting.lng is None:
        return
    distance = distance_metres(meeting.lat, meeting.lng, lat, lng)
    check_in_row.distance_m = int(distance)
    check_in_row.flag_far = distance > FAR_FROM_VENUE_METRES
    db.session.commit()
