"""What every meetings view needs: the blueprint and the lookups that end in 404/403."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort
from flask_login import current_user

from .. import clock
from ..authz import require
from ..extensions import db
from ..models import Organization, Role
from .models import Meeting

bp = Blueprint("meetings", __name__, url_prefix="/meetings")


# ---- helpers ----------------------------------------------------------------------------------
def _meeting(meeting_id: int) -> Meeting:
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None:
        abort(404)
    return meeting


def _roles_on(meeting: Meeting) -> tuple:
    """The host and recorder named on a meeting get the rights that meeting needs."""
    uid = getattr(current_user, "id", None)
    return (Role.RECORDER,) if uid is not None and uid in (meeting.host_id, meeting.recorder_id) \
        else ()


def _require_run(meeting: Meeting) -> None:
    require("meeting.run", meeting.org, extra_roles=_roles_on(meeting))


def _branch(branch_id: int) -> Organization:
    org = db.session.get(Organization, branch_id)
    if org is None or org.kind not in ("branch", "general"):
        abort(404)
    return org


def _local(day, at) -> datetime:
    return clock.local_datetime(day, at)
