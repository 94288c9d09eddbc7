"""Door mode's personal check-in codes: one active code per person (printed on a card or shown
on 我的), revoked when reissued, and the lookup a door scanner does."""
from __future__ import annotations

import secrets

from sqlalchemy import select, update

from .. import audit, clock
from ..extensions import db
from .models import MemberCode


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
