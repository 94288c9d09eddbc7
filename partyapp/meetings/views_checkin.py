"""Routes of checking in: the big screen (QR and names, conditional fragments) and the scan."""
from __future__ import annotations

import io
from types import SimpleNamespace

import qrcode
from flask import (abort, current_app, flash, make_response, redirect, render_template, request,
                   send_file, url_for)
from flask_login import current_user, login_required
from sqlalchemy import func, select

from ..extensions import db, limiter
from . import checkin, services
from .forms import PositionForm
from .models import CheckIn, Meeting
from .views_common import _meeting, _require_run, bp


# ---- the screen ---------------------------------------------------------------------------------
def _scan_url(meeting_id: int, token: str) -> str:
    base = current_app.config.get("PUBLIC_BASE_URL")
    path = url_for("meetings.scan", meeting_id=meeting_id, token=token)
    return base + path if base else url_for("meetings.scan", meeting_id=meeting_id, token=token,
                                            _external=True)


def _conditional(body_maker, etag: str):
    """304 when the screen already shows this version; else the fragment with its ETag."""
    if _already_shown(etag):
        response = make_response("", 304)
    else:
        response = make_response(body_maker())
    response.set_etag(etag)
    response.headers["Cache-Control"] = "no-cache, private"
    return response


def _already_shown(etag: str) -> bool:
    """Flask-Compress stores compressed versions as "<etag>:gzip" (or :br, :zstd)."""
    return any(tag == etag or tag.startswith(etag + ":") for tag in request.if_none_match)


@bp.get("/<int:meeting_id>/screen")
def screen(meeting_id):
    meeting = _meeting(meeting_id)
    _require_run(meeting)
    return render_template("meetings/screen.html", meeting=meeting, token=checkin.make_token(
        meeting.id), **_names_context(meeting))


@bp.get("/<int:meeting_id>/screen/qr")
def screen_qr(meeting_id):
    meeting = _meeting(meeting_id)
    _require_run(meeting)
    slot = checkin.current_slot()
    return _conditional(lambda: render_template(
        "meetings/_screen_qr.html", meeting=meeting, token=checkin.make_token(meeting.id, slot)),
        f"q{meeting.id}-{slot}")


def _names_version(meeting_id: int) -> str:
    count, last = db.session.execute(select(func.count(CheckIn.id), func.max(CheckIn.id))
                                     .where(CheckIn.meeting_id == meeting_id)).one()
    return f"n{meeting_id}-{count}-{last or 0}"


def _names_context(meeting: Meeting) -> dict:
    rows = services.attendee_rows(meeting.id)
    return {"present": [r for r in rows if r.check_in is not None and r.is_expected],
            "expected_count": sum(1 for r in rows if r.is_expected)}


@bp.get("/<int:meeting_id>/screen/names")
def screen_names(meeting_id):
    meeting = _meeting(meeting_id)
    _require_run(meeting)
    return _conditional(lambda: render_template(
        "meetings/_screen_names.html", meeting=meeting, **_names_context(meeting)),
        _names_version(meeting.id))


@bp.get("/<int:meeting_id>/qr.png")
def qr_png(meeting_id):
    meeting = _meeting(meeting_id)
    _require_run(meeting)
    token = request.args.get("t", "")[:64]
    if checkin.token_problem(meeting.id, token) is not None:
        token = checkin.make_token(meeting.id)
    image = qrcode.make(_scan_url(meeting.id, token), box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    buffer.seek(0)
    response = send_file(buffer, mimetype="image/png", max_age=30)
    response.headers["Cache-Control"] = "private, max-age=30"
    return response

# ---- scanning -----------------------------------------------------------------------------------
# The logged-out phone's pending scan (services.remember_pending_scan): a random id, httponly.
PENDING_COOKIE = "pscan"


@bp.get("/<int:meeting_id>/c/<token>")
@limiter.limit("20 per minute")   # per account (or phone cookie): a member scans once or twice
def scan(meeting_id, token):
    if not current_user.is_authenticated:
        return _scan_logged_out(_meeting(meeting_id), token)
    device = _device_id()
    state = checkin._person_state(meeting_id, current_user.id, device)   # the one read
    if state.meeting is None:
        abort(404)
    shown = _snapshot(state.meeting)   # read before the commit expires the row
    problem = checkin.token_problem(meeting_id, token)
    if problem:
        return _refusal(shown, problem)
    return _checked_in(shown, checkin.check_in(state.meeting, current_user.id, client_id=device,
                                               state=state))


def _scan_logged_out(meeting: Meeting, token: str):
    """Remember the scan for 10 minutes; the log-in page comes back to scan_complete."""
    problem = checkin.token_problem(meeting.id, token)
    if problem:
        return _refusal(meeting, problem)
    token = services.remember_pending_scan(meeting.id)
    flash("请先登录，登录后自动完成签到。", "info")
    response = redirect(url_for("auth.login", next=url_for("meetings.scan_complete",
                                                           meeting_id=meeting.id)))
    response.set_cookie(PENDING_COOKIE, token, max_age=services.PENDING_SCAN_MINUTES * 60,
                        httponly=True, samesite="Lax",
                        secure=current_app.config.get("SESSION_COOKIE_SECURE", False))
    return response


@bp.get("/<int:meeting_id>/c")
@login_required
def scan_complete(meeting_id):
    """Where the log-in page returns after a scan by a logged-out phone."""
    meeting = _meeting(meeting_id)
    if not services.is_attendee(meeting.id, current_user.id):
        return _refusal(meeting, "not_on_list")
    shown = _snapshot(meeting)   # read before the commit expires the row
    problem = services.take_pending_scan(request.cookies.get(PENDING_COOKIE), meeting.id,
                                         current_user.id)
    if problem:
        response = make_response(_refusal(shown, problem))
    else:
        response = make_response(_checked_in(shown, checkin.check_in(
            meeting, current_user.id, client_id=_device_id())))
    response.delete_cookie(PENDING_COOKIE)
    return response


def _snapshot(meeting: Meeting) -> SimpleNamespace:
    return SimpleNamespace(id=meeting.id, topic=meeting.topic, lat=meeting.lat,
                           checkin_opens_minutes=meeting.checkin_opens_minutes)


def _device_id() -> str | None:
    """The phone's own cookie id (set on its first visit), for the shared-device flag."""
    from flask import g

    return (request.cookies.get("cid") or g.get("new_client_id") or "")[:64] or None


def _refusal(meeting: Meeting, reason: str):
    if reason == "busy":   # the database was busy: nothing stored, scan again in a moment
        return _scan_page(meeting, None, checkin.reason_text(reason, meeting)), 503, {
            "Retry-After": "3"}
    status = 403 if reason == "not_on_list" else 200
    return _scan_page(meeting, None, checkin.reason_text(reason, meeting)), status


def _checked_in(meeting: Meeting, result: checkin.CheckInResult):
    if not result.ok:
        return _refusal(meeting, result.reason)
    return _scan_page(meeting, result, None)


def _scan_page(meeting: Meeting, result, reason: str | None) -> str:
    """The page a phone sees after scanning. This is the hot path (a whole branch scans within
    a minute), so it is a small standalone page rendered without the layout's context
    processors (no inbox count query, no tab bar) from values read before the commit."""
    from flask_wtf.csrf import generate_csrf

    from ..main.services import is_care_mode

    wants_position = result is not None and meeting.lat is not None
    return current_app.jinja_env.get_template("meetings/scan_result.html").render(
        meeting=meeting, result=result, reason=reason, care_mode=is_care_mode(),
        csrf=generate_csrf() if wants_position else None, wants_position=wants_position)


@bp.post("/checkin/<int:check_in_id>/position")
@login_required
def report_position(check_in_id):
    row = db.session.get(CheckIn, check_in_id)
    if row is None or row.person_id != current_user.id:
        abort(404)
    form = PositionForm()
    if form.validate_on_submit():
        checkin.report_position(row, db.session.get(Meeting, row.meeting_id), form.lat.data,
                                form.lng.data)
    return make_response("", 204)
