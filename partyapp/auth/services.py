"""Log-in and one-time invitations."""
import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from .. import audit, clock
from ..extensions import db
from ..models import Invitation, Person
from ..phones import normalize_mobile

INVITATION_LIFETIME = timedelta(days=14)
# Compared against when the phone is unknown, so both paths take as long.
_DUMMY_HASH = generate_password_hash("not-a-password", method="pbkdf2:sha256:1000")


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def authenticate(phone_raw: str, password: str) -> Person | None:
    try:
        phone = normalize_mobile(phone_raw)
    except ValueError:
        return None
    person = db.session.scalar(select(Person).where(Person.phone == phone))
    if person is None or not person.password_hash or not person.active:
        check_password_hash(_DUMMY_HASH, password)
        return None
    return person if check_password_hash(person.password_hash, password) else None


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_invitation(person: Person, actor=None) -> str:
    """Issue a one-time link; older unused links of this person stop working."""
    now = clock.now()
    for old in db.session.scalars(select(Invitation).where(
            Invitation.person_id == person.id, Invitation.used_at.is_(None))):
        old.used_at = now
    token = secrets.token_urlsafe(24)
    db.session.add(Invitation(person_id=person.id, token_hash=_token_hash(token),
                              created_by_id=getattr(actor, "id", None),
                              expires_at=now + INVITATION_LIFETIME))
    audit.record(actor, "invitation.issue", "person", person.id)
    db.session.commit()
    return token


def find_invitation(token: str) -> Invitation | None:
    invitation = db.session.scalar(
        select(Invitation).where(Invitation.token_hash == _token_hash(token or "")))
    if invitation is None or invitation.used_at or invitation.expires_at < clock.now():
        return None
    return invitation


def accept_invitation(invitation: Invitation, password: str) -> Person:
    """Set the password; every other device of this person is logged out."""
    person = invitation.person
    person.password_hash = hash_password(password)
    person.session_version += 1
    invitation.used_at = clock.now()
    audit.record(person, "invitation.accept", "person", person.id)
    db.session.commit()
    return person
