"""Routes of door mode (manual and personal-code check-in by the recorder, undo for a minute)
and the personal code sheet."""
from __future__ import annotations

import io

import qrcode
from flask import (abort, current_app, flash, redirect, render_template, request,
                   send_from_directory, url_for)
from flask_login import current_user, login_required

from .. import clock
from ..authz import home_branch, require
from ..extensions import db, limiter
from ..models import Person
from . import checkin, services
from .forms import CodeForm, ManualForm
from .models import CheckInMethod, Meeting
from .views_common import _branch, _meeting, _require_run, bp

ROW_TARGET = "door-row-"


# ---- door mode ----------------------------------------------------------------------------------
@bp.get("/<int:meeting_id>/door")
def door(meeting_id):
    meeting = _meeting(meeting_id)
    _require_run(meeting)
    return _door_page(meeting, CodeForm())


def _door_page(meeting: Meeting, code_form: CodeForm, status: int = 200):
    query = request.args.get("q", "")[:20]
    rows = services.door_rows(meeting.id, current_user.id, query)
    return render_template("meetings/door.html", meeting=meeting, rows=rows, query=query,
                           code_form=code_form, manual_form=ManualForm(),
                           total=len(services.attendee_rows(meeting.id)) if query else len(rows),
                           undo_seconds=services.UNDO_SECONDS), status


def _wants_row() -> bool:
    """An htmx tap on a row swaps just that row (the answer shows where the finger is)."""
    return request.headers.get("HX-Target", "").startswith(ROW_TARGET)


def _row_answer(meeting: Meeting, person_id: int, message: str, kind: str):
    if _wants_row():
        item = services.door_row(meeting.id, person_id, current_user.id)
        if item is None:
            abort(404)
        return render_template("meetings/_door_row.html", meeting=meeting, item=item,
                               message=message, kind=kind, undo_seconds=services.UNDO_SECONDS)
    flash(message, kind)
    return redirect(url_for("meetings.door", meeting_id=meeting.id) + f"#{ROW_TARGET}{person_id}",
                    code=303)


def _row_form(meeting_id):
    """The meeting and the person a door row's button names, or a redirect when the row's form
    is stale (its CSRF token expired)."""
    meeting = _meeting(meeting_id)
    _require_run(meeting)
    form = ManualForm()
    if not form.validate_on_submit():
        flash("这一行已过期，请刷新页面再试。", "error")
        return meeting, None, redirect(url_for("meetings.door", meeting_id=meeting.id), code=303)
    return meeting, form.person_id.data, None


@bp.post("/<int:meeting_id>/door/manual")
def door_manual(meeting_id):
    meeting, person_id, stale = _row_form(meeting_id)
    if stale:
        return stale
    message, kind = _door_check_in(meeting, person_id, CheckInMethod.MANUAL)
    return _row_answer(meeting, person_id, message, kind)


@bp.post("/<int:meeting_id>/door/undo")
def door_undo(meeting_id):
    meeting, person_id, stale = _row_form(meeting_id)
    if stale:
        return stale
    problem = services.undo_check_in(current_user, meeting, person_id)
    return _row_answer(meeting, person_id, problem or "已撤销签到", "error" if problem else "info")


@bp.post("/<int:meeting_id>/door/code")
def door_code(meeting_id):
    meeting = _meeting(meeting_id)
    _require_run(meeting)
    form = CodeForm()
    if not form.validate_on_submit():
        return _door_page(meeting, form)
    person_id = services.person_for_code(form.code.data)
    if person_id is None:
        form.code.errors.append("这个签到码无效或已作废，请核对后再试。")
        return _door_page(meeting, form)
    flash(*_door_check_in(meeting, person_id, CheckInMethod.DOOR_CODE))
    return redirect(url_for("meetings.door", meeting_id=meeting.id), code=303)


def _door_check_in(meeting: Meeting, person_id: int, method: str) -> tuple[str, str]:
    result = checkin.check_in(meeting, person_id, method=method, recorded_by_id=current_user.id,
                              enforce_window=False)
    person = db.session.get(Person, person_id)
    name = person.name if person else ""
    if not result.ok:
        return f"{name}：{checkin.reason_text(result.reason, meeting)}", "error"
    if result.already:
        return f"{name} 已签到（{clock.to_local(result.at):%H:%M}）", "info"
    return f"{name} 签到成功{'（迟到）' if result.late else ''}", "success"
# ---- the door without signal --------------------------------------------------------------------
@bp.post("/<int:meeting_id>/door/sync")
@limiter.limit("30 per minute")
def door_sync(meeting_id):
    """The door's phone sends what it queued offline (JSON, X-CSRFToken header); idempotent."""
    meeting = _meeting(meeting_id)
    _require_run(meeting)
    if not request.is_json:
        abort(400)   # a form post or odd input: the Chinese error page
    items, problem = services.parse_batch(request.get_json(silent=True))
    if problem:
        return _json({"error": problem}, 400)
    outcomes = services.sync_offline_check_ins(current_user, meeting, items)
    return _json({"results": {nonce: {"outcome": outcome, "text": services.outcome_text(outcome)}
                              for nonce, outcome in outcomes.items()}})


def _json(body: dict, status: int = 200):
    """JSON with the Chinese as it is (readable, and what the odd-input test looks for)."""
    return current_app.response_class(current_app.json.dumps(body, ensure_ascii=False),
                                      status=status, mimetype="application/json")


@bp.get("/door-worker.js")
def door_worker():
    """The service worker, served under /meetings/ so its scope covers the door pages and the
    personal code page (static/ would limit it to /static/)."""
    response = send_from_directory(current_app.static_folder, "door-sw.js",
                                   mimetype="text/javascript", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/my-code")
@login_required
def my_code():
    """The member's personal check-in code as an e-card; kept on the phone for dead spots."""
    code = services.active_code(current_user.id)
    return render_template("meetings/my_code.html", code=code, prefix=services.CODE_PREFIX)


# ---- personal codes -----------------------------------------------------------------------------
def qr_data_uri(text: str) -> str:
    import base64

    buffer = io.BytesIO()
    qrcode.make(text, box_size=6, border=2).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


bp.add_app_template_global(qr_data_uri, "member_code_qr")


@bp.get("/codes/<int:branch_id>")
def code_sheet(branch_id):
    branch = _branch(branch_id)
    require("roster.manage", branch)
    people = services.branch_people(branch)
    codes = services.codes_for([p.id for p in people], current_user)
    return render_template("meetings/code_sheet.html", branch=branch, people=people, codes=codes,
                           prefix=services.CODE_PREFIX)


@bp.post("/codes/person/<int:person_id>/reissue")
def reissue_code(person_id):
    person = db.session.get(Person, person_id)
    if person is None:
        abort(404)
    branch = home_branch(person)
    require("roster.manage", branch)
    services.issue_code(current_user, person.id)
    flash(f"已为{person.name}换发新签到码，旧码作废。", "success")
    return redirect(url_for("meetings.code_sheet", branch_id=branch.id), code=303)
