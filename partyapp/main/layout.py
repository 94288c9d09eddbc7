"""The layout's context on every page: 长辈版 (care mode), the inbox badge, and the officers'
calendar warning. The shell's business, so it lives with main."""
from flask import g, request
from flask_login import current_user

from .. import authz
from ..calendar.services import calendar_warnings
from ..notify.services import unread_count

CARE_COOKIE = "care"


def is_care_mode() -> bool:
    return request.cookies.get(CARE_COOKIE) == "1"


def configure_layout(app) -> None:
    @app.context_processor
    def layout_context():
        return {"care_mode": is_care_mode(), "unread_count": _unread_count(),
                **_officer_warnings()}


def _officer_warnings() -> dict:
    """Officers see on every page when next year's holiday schedule is missing (deadlines
    then fall back to Monday–Friday); town admins get the link to enter it."""
    if not current_user or not current_user.is_authenticated:
        return {}
    roles = {m.role for m in authz.active_memberships(current_user)}
    if not roles & authz.OFFICER_ROLES:
        return {}
    return {"admin_warnings": calendar_warnings(),
            "can_fix_calendar": "town_admin" in roles}


def _unread_count() -> int:
    """The badge: counted with the log-in query (auth/loader.py) when that ran; counted here
    otherwise, or again after the inbox changed during the request (notify drops the value)."""
    if not current_user or not current_user.is_authenticated:
        return 0
    if "unread_count" not in g:
        g.unread_count = unread_count(current_user.id)
    return g.unread_count
