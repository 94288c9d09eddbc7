"""Log-in (with the failure guard), one row per log-in, one-time invitations and log-in
links."""
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from werkzeug.security import check_password_hash, generate_password_hash

from .. import audit, clock
from ..extensions import db
from ..models import (Invitation, InvitationPurpose, LoginSession, Person, WechatBinding,
                      WechatOAuthState)
from ..phones import normalize_mobile
from . import guard, passwords, wechat

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
    db.session.execute(delete(WechatOAuthState).where(
        WechatOAuthState.created_at < now - WECHAT_STATE_LIFETIME))
    guard.sweep(now)
    db.session.commit()


# ---- WeChat 网页授权 (snsapi_base): silent log-in of a bound openid ---------------------------
WECHAT_STATE_LIFETIME = timedelta(minutes=10)


def wechat_login_enabled() -> bool:
    """WECHAT_APP_ID and WECHAT_APP_SECRET both set (a town's 服务号)."""
    return wechat.configured()


def begin_wechat_login(redirect_uri: str) -> tuple[str, str]:
    """A fresh single-use state (its hash stored; the caller keeps the value in the browser's
    session) and the 网页授权 address to send the browser to."""
    state = secrets.token_urlsafe(18)
    db.session.add(WechatOAuthState(state_hash=_token_hash("wx:" + state)))
    db.session.commit()
    return state, wechat.authorize_url(redirect_uri, state)


@dataclass
class WechatLogin:
    person: Person | None = None
    openid: str | None = None      # the openid when it is not bound to an active person
    problem: str | None = None     # "state" (forged, reused, stale, other browser) or "code"


def _claim_state(state: str) -> bool:
    now = clock.now()
    try:
        gone = db.session.execute(delete(WechatOAuthState).where(
            WechatOAuthState.state_hash == _token_hash("wx:" + state),
            WechatOAuthState.created_at > now - WECHAT_STATE_LIFETIME)).rowcount
    except OperationalError:   # SQLite: another request wrote first
        db.session.rollback()
        return False
    db.session.commit()
    return gone == 1


def finish_wechat_login(session_state: str | None, given_state: str, code: str) -> WechatLogin:
    """The callback: the state must be this browser's and unused; the code is exchanged once
    for the openid; a bound active person comes back (the caller logs them in)."""
    if not session_state or not given_state or len(given_state) > 64 \
            or not secrets.compare_digest(session_state, given_state) \
            or not _claim_state(given_state):
        return WechatLogin(problem="state")
    if not code or len(code) > 128:
        return WechatLogin(problem="code")
    exchange = wechat.exchange_code(code)
    if exchange.openid is None:
        current_app.logger.info("wechat code exchange refused: %s", exchange.error)
        return WechatLogin(problem="code")
    person = db.session.scalar(select(Person).join(
        WechatBinding, WechatBinding.person_id == Person.id).where(
        WechatBinding.openid == exchange.openid))
    if person is None or not person.active:
        return WechatLogin(openid=exchange.openid)
    return WechatLogin(person=person, openid=exchange.openid)


def wechat_binding(person: Person) -> WechatBinding | None:
    return db.session.scalar(select(WechatBinding).where(WechatBinding.person_id == person.id))


def bind_wechat(person: Person, openid: str) -> str | None:
    """After a normal log-in inside WeChat: bind this openid to this person. An openid belongs
    to one person and a person has one openid; returns why not ("taken"), else None."""
    owner = db.session.scalar(select(WechatBinding).where(WechatBinding.openid == openid))
    if owner is not None:
        return None if owner.person_id == person.id else "taken"
    db.session.execute(delete(WechatBinding).where(WechatBinding.person_id == person.id))
    db.session.add(WechatBinding(openid=openid, person_id=person.id))
    audit.record(person, "wechat.bind", "person", person.id)
    try:
        db.session.commit()
    except IntegrityError:   # the same openid bound by a concurrent request
        db.session.rollback()
        return "taken"
    return None


def unbind_wechat(person: Person) -> bool:
    """我的 → 解除微信绑定."""
    gone = db.session.execute(delete(WechatBinding).where(
        WechatBinding.person_id == person.id)).rowcount
    if gone:
        audit.record(person, "wechat.unbind", "person", person.id)
    db.session.commit()
    return bool(gone)


def me_section(person: Person):
    """The 我的 block on the WeChat binding; nothing without a 服务号."""
    if not wechat_login_enabled():
        return None
    return "auth/_me_section.html", {"bound": wechat_binding(person) is not None}
