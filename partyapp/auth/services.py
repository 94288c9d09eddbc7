"""Log-in (with the failure guard), one row per log-in, one-time invitations and log-in
links."""
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.exc import OperationalError
from werkzeug.security import check_password_hash, generate_password_hash

from .. import audit, clock
from ..extensions import db
from ..models import Invitation, InvitationPurpose, LoginSession, Person
from ..phones import normalize_mobile
from . import guard, passwords

INVITATION_LIFETIME = timedelta(days=14)
LOGIN_LINK_LIFETIME = timedelta(minutes=30)
# Compared against when the phone is unknown, so both paths take as long: one per hash method,
# made with the method real passwords use (a cheap dummy made the unknown path 7× faster).
_DUMMY_HASHES: dict[str, str] = {}


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def password_problem(password: str, phone: str | None = None) -> str | None:
    """Why a new password is refused (common, the phone number, …), or None."""
    return passwords.problem(password, phone)


def _dummy_hash() -> str:
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if method not in _DUMMY_HASHES:
        _DUMMY_HASHES[method] = generate_password_hash(secrets.token_hex(8), method=method)
    return _DUMMY_HASHES[method]


def _mobile_or_none(phone_raw: str) -> str | None:
    try:
        return normalize_mobile(phone_raw or "")
    except ValueError:
        return None


def authenticate(phone_raw: str, password: str) -> Person | None:
    phone = _mobile_or_none(phone_raw)
    person = None if phone is None else db.session.scalar(
        select(Person).where(Person.phone == phone))
    if person is None or not person.password_hash or not person.active:
        check_password_hash(_dummy_hash(), password or "")
        return None
    return person if check_password_hash(person.password_hash, password) else None


@dataclass
class LoginAttempt:
    person: Person | None = None
    wait_seconds: int = 0          # > 0: refused for now, try again after this many seconds


def log_in(phone_raw: str, password: str, address: str | None,
           known_device_phones: frozenset[str] = frozenset()) -> LoginAttempt:
    """A password log-in through the failure guard (auth/guard.py). Only failures are counted;
    a phone that logged in to this account before is never slowed for it."""
    phone = _mobile_or_none(phone_raw)
    known = phone is not None and guard.account_key(phone) in known_device_phones
    wait = guard.wait_seconds(phone, address, known_device=known)
    if wait:
        return LoginAttempt(wait_seconds=wait)
    person = authenticate(phone_raw, password)
    if person is None:
        guard.record_failure(phone, address)
    return LoginAttempt(person=person)


def login_token_hash(token: str) -> str:
    return hashlib.sha256(("login:" + token).encode()).hexdigest()


def start_login(person: Person, via: str = "password") -> str:
    """A new log-in of this person: a LoginSession row whose token goes into the id that
    Flask-Login keeps in the session and the remember cookie (so it changes at every log-in).
    Returns that id (person.get_id())."""
    token = secrets.token_urlsafe(18)
    db.session.add(LoginSession(person_id=person.id, token_hash=login_token_hash(token),
                                via=via))
    version = db.session.scalar(select(Person.session_version).where(Person.id == person.id))
    db.session.commit()
    person.login_token = token
    return f"{person.id}:{version}:{token}"


def login_is_live(person_id: int, token: str) -> bool:
    return db.session.scalar(select(LoginSession.id).where(
        LoginSession.person_id == person_id,
        LoginSession.token_hash == login_token_hash(token))) is not None


def live_login_column(person_id_column):
    """For the loader's one query: this log-in's row still exists (bound as token_hash)."""
    return select(LoginSession.id).where(
        LoginSession.person_id == person_id_column,
        LoginSession.token_hash == bindparam("token_hash")).correlate_except(
        LoginSession).exists()


def end_login(person: Person) -> None:
    """Log-out: this log-in's row goes, so a copy of its session or remember cookie is dead."""
    if person.login_token:
        db.session.execute(delete(LoginSession).where(
            LoginSession.person_id == person.id,
            LoginSession.token_hash == login_token_hash(person.login_token)))
    db.session.commit()


def end_all_logins(person: Person) -> None:
    """退出所有设备: every log-in of this person ends (and the session version moves on)."""
    db.session.execute(delete(LoginSession).where(LoginSession.person_id == person.id))
    person.session_version += 1
    audit.record(person, "login.end_all", "person", person.id)
    db.session.commit()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_invitation(person: Person, actor=None,
                      purpose: str = InvitationPurpose.INVITE) -> str:
    """Issue a one-time link; older unused links of this person (same purpose) stop working."""
    now = clock.now()
    db.session.execute(update(Invitation).where(
        Invitation.person_id == person.id, Invitation.purpose == purpose,
        Invitation.used_at.is_(None)).values(used_at=now))
    token = secrets.token_urlsafe(24)
    lifetime = LOGIN_LINK_LIFETIME if purpose == InvitationPurpose.LOGIN else INVITATION_LIFETIME
    db.session.add(Invitation(person_id=person.id, token_hash=_token_hash(token),
                              created_by_id=getattr(actor, "id", None), purpose=purpose,
                              expires_at=now + lifetime))
    audit.record(actor, "invitation.issue" if purpose == InvitationPurpose.INVITE
                 else "login_link.issue", "person", person.id)
    db.session.commit()
    return token


def find_invitation(token: str, purpose: str = InvitationPurpose.INVITE) -> Invitation | None:
    invitation = db.session.scalar(
        select(Invitation).where(Invitation.token_hash == _token_hash(token or ""),
                                 Invitation.purpose == purpose))
    if invitation is None or invitation.used_at or invitation.expires_at < clock.now() \
            or not invitation.person.active:
        return None
    return invitation


def _claim(invitation: Invitation) -> bool:
    """Mark the link used, once: of concurrent requests exactly one UPDATE matches."""
    now = clock.now()
    try:
        claimed = db.session.execute(update(Invitation).where(
            Invitation.id == invitation.id, Invitation.used_at.is_(None),
            Invitation.expires_at > now).values(used_at=now)).rowcount
    except OperationalError:   # SQLite: another request wrote first (a stale snapshot)
        db.session.rollback()
        return False
    return claimed == 1


def accept_invitation(invitation: Invitation, password: str) -> Person | None:
    """Set the password; every other device of this person is logged out. None when another
    request used the link first."""
    if not _claim(invitation):
        db.session.rollback()
        return None
    person = invitation.person
    person.password_hash = hash_password(password)
    person.session_version += 1
    db.session.execute(delete(LoginSession).where(LoginSession.person_id == person.id))
    audit.record(person, "invitation.accept", "person", person.id)
    db.session.commit()
    return person


def use_login_link(invitation: Invitation) -> Person | None:
    """A one-time log-in link from the secretary: never limited, used once, audited."""
    if not _claim(invitation):
        db.session.rollback()
        return None
    audit.record(invitation.person, "login_link.use", "person", invitation.person_id,
                 issued_by=invitation.created_by_id)
    db.session.commit()
    return invitation.person


def sweep_logins() -> None:
    """Hourly: log-ins older than the remember cookie (it has expired, so nothing can present
    them) and failure counters of past windows go."""
    now = clock.now()
    lifetime = current_app.config["REMEMBER_COOKIE_DURATION"] + timedelta(days=1)
    db.session.execute(delete(LoginSession).where(LoginSession.created_at < now - lifetime))
    guard.sweep(now)
    db.session.commit()
