"""Routes of door mode (manual and personal-code check-in by the recorder) and the personal
code sheet."""
from __future__ import annotations

import io

import qrcode
from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from .. import clock
from ..authz import home_branch, require
from ..extensions import db
from ..models import Person
from . import checkin, services
from .forms import CodeForm, ManualForm
from .models import CheckInMethod, Meeting
from .views_common import _branch, _meeting, _require_run, bp


# ---- door mode ----------------------------------------------------------------------------------
@bp.get("/<int:meeting_id>/door")
def door(meeting_id):
    meeting = _meeting(meeting_id)
    _require_run(meeting)
    return _door_page(meeting, CodeForm())


def _door_page(meeting: Meeting, code_form: CodeForm, status: int = 200):
    return render_template("meetings/door.html", meeting=meeting,
                           rows=services.attendee_rows(meeting.id), code_form=code_form,
                           manual_form=ManualForm()), status


@bp.post("/<int:meeting_id>/door/manual")
def door_manual(meeting_id):
    meeting = _meeting(meeting_id)
    _require_run(meeting)
    form = ManualForm()
    if form.validate_on_submit():
        _door_check_in(meeting, form.person_id.data, CheckInMethod.MANUAL)
    return redirect(url_for("meetings.door", meeting_id=meeting.id), code=303)


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
    _door_check_in(meeting, person_id, CheckInMethod.DOOR_CODE)
    return redirect(url_for("meetings.door", meeting_id=meeting.id), code=303)


def _door_check_in(meeting: Meeting, person_id: int, method: str) -> None:
    result = checkin.check_in(meeting, person_id, method=method, recorded_by_id=current_user.id,
                              enforce_window=False)
    person = db.session.get(Person, person_id)
    name = person.name if person else ""
    if not result.ok:
        flash(f"{name}：{checkin.reason_text(result.reason, meeting)}", "error")
    elif result.already:
        flash(f"{name} 已签到（{clock.to_local(result.at):%H:%M}）", "info")
    else:
        flash(f"{name} 签到成功{'（迟到）' if result.late else ''}", "success")

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
