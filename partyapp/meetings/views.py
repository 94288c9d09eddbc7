"""Routes of the meetings feature: plan, publish, leave, the check-in screen and scan, door
mode, closing, ledger and compliance. Thin: parse, call a service, render or redirect."""
from __future__ import annotations

import io
from types import SimpleNamespace
from datetime import datetime

import qrcode
from flask import (Blueprint, abort, current_app, flash, make_response, redirect, render_template,
                   request, send_file, send_from_directory, session, url_for)
from flask_login import current_user, login_required
from sqlalchemy import func, select
from wtforms.fields.choices import SelectChoice

from .. import clock
from ..authz import can, home_branch, orgs_where, require
from ..extensions import db, limiter
from ..models import Organization, Person, Role
from . import checkin, ledger, photos, services
from .forms import (CancelForm, CodeForm, DecideForm, ExemptionForm, KindForm, LeaveForm,
                    ManualForm, MinutesForm, MoveForm, PlanForm, PositionForm)
from .models import AttendanceExemption, CheckIn, CheckInMethod, LeaveRequest, Meeting, MeetingKind

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


# ---- member pages -------------------------------------------------------------------------------
@bp.get("/")
@login_required
def index():
    me = current_user.id
    branch = home_branch(current_user)
    return render_template(
        "meetings/index.html", upcoming=services.my_upcoming(me),
        history=services.my_history(me), counts=services.my_year_counts(me),
        make_ups=services.my_make_ups(me), branch=branch,
        can_plan=bool(services.plannable_orgs(current_user)),
        can_ledger=branch is not None and can(current_user, "meeting.ledger", branch),
        can_exempt=branch is not None and can(current_user, "leave.approve", branch),
        branch_meetings=services.branch_meetings(branch) if branch is not None and can(
            current_user, "meeting.run", branch) else [])


@bp.get("/<int:meeting_id>")
def detail(meeting_id):
    meeting = _meeting(meeting_id)
    attending = current_user.is_authenticated and services.is_attendee(meeting.id, current_user.id)
    if not attending:
        require("meeting.view", meeting.org)
    rows = services.attendee_rows(meeting.id)
    mine = next((row for row in rows if row.person.id == current_user.id), None)
    roles = _roles_on(meeting)
    can_approve = can(current_user, "leave.approve", meeting.branch)
    return render_template(
        "meetings/detail.html", meeting=meeting, rows=rows, mine=mine,
        counts=services.meeting_counts([meeting.id])[meeting.id],
        can_plan=can(current_user, "meeting.plan", meeting.org),
        can_run=can(current_user, "meeting.run", meeting.org, extra_roles=roles),
        can_approve=can_approve,
        leave_text=lambda leave: services.leave_text(leave, current_user, can_approve),
        can_amend=meeting.is_closed and can(current_user, "meeting.amend", meeting.org),
        photos=services.meeting_photos(meeting.id),
        decide_form=DecideForm(), cancel_form=CancelForm())


# ---- planning -----------------------------------------------------------------------------------
def _plan_choices(form: PlanForm, orgs: list[Organization]) -> None:
    form.org_id.choices = [SelectChoice(o.id, o.name) for o in orgs]
    form.kind_ids.choices = [SelectChoice(k.id, f"{k.name}（{k.frequency_label}）")
                             for k in services.active_kinds()]
    people = services.plannable_people(current_user, orgs)
    form.host_id.choices = [SelectChoice(0, "（暂不指定）")] + [SelectChoice(p.id, p.name)
                                                               for p in people]
    form.recorder_id.choices = list(form.host_id.choices)
    form.attendee_ids.choices = [SelectChoice(p.id, p.name) for p in people]


@bp.route("/plan", methods=["GET", "POST"])
@login_required
def plan():
    orgs = services.plannable_orgs(current_user)
    if not orgs:
        abort(403)
    form = PlanForm()
    _plan_choices(form, orgs)
    problems = []
    if form.validate_on_submit():
        problems = _file_plan(form, orgs)
        if isinstance(problems, Meeting):
            meeting = problems
            flash("已补记这次会议。请登记到会人员，再填写会议记录归档。" if meeting.backfilled
                  else "会议计划已报备。确认无误后请点“发布通知”。", "success")
            return redirect(url_for("meetings.detail", meeting_id=meeting.id), code=303)
    return render_template("meetings/plan.html", form=form, problems=problems,
                           kinds=services.active_kinds(), bounds=services.plan_day_bounds())


def _file_plan(form: PlanForm, orgs: list[Organization]):
    """The filed meeting, or the list of problems to show on the form."""
    day_problem = services.plan_day_problem(form.day.data)
    if day_problem:   # before building a datetime from year 1 or 9999
        return [day_problem]
    org = next(o for o in orgs if o.id == form.org_id.data)
    kinds = list(db.session.scalars(select(MeetingKind).where(
        MeetingKind.id.in_(form.kind_ids.data))))
    meeting_plan = services.MeetingPlan(
        org=org, kinds=kinds, topic=form.topic.data.strip(),
        starts_at=_local(form.day.data, form.start.data),
        ends_at=_local(form.day.data, form.end.data), place=(form.place.data or "").strip(),
        host_id=form.host_id.data or None, recorder_id=form.recorder_id.data or None,
        attendee_ids=form.attendee_ids.data or None, lat=form.lat.data, lng=form.lng.data,
        checkin_opens_minutes=form.checkin_opens_minutes.data,
        late_after_minutes=form.late_after_minutes.data)
    problems = services.plan_problems(current_user, meeting_plan)
    if problems:
        return problems
    meeting = services.plan_meeting(current_user, meeting_plan)
    db.session.commit()
    return meeting


@bp.post("/<int:meeting_id>/publish")
def publish(meeting_id):
    meeting = _meeting(meeting_id)
    require("meeting.plan", meeting.org)
    if meeting.status != "planned":
        flash("这次会议已发布、取消或归档。", "error")
    else:
        services.publish_meeting(current_user, meeting)
        flash("已通知应到人员。", "success")
    return redirect(url_for("meetings.detail", meeting_id=meeting.id), code=303)


@bp.post("/<int:meeting_id>/cancel")
def cancel(meeting_id):
    meeting = _meeting(meeting_id)
    require("meeting.plan", meeting.org)
    form = CancelForm()
    if not meeting.is_open_for_changes:
        flash("这次会议已取消或归档。", "error")
    elif form.validate_on_submit():
        services.cancel_meeting(current_user, meeting, (form.reason.data or "").strip())
        flash("会议已取消，已通知应到人员。", "success")
    return redirect(url_for("meetings.detail", meeting_id=meeting.id), code=303)


@bp.route("/<int:meeting_id>/edit", methods=["GET", "POST"])
def edit(meeting_id):
    meeting = _meeting(meeting_id)
    require("meeting.plan", meeting.org)
    if not meeting.is_open_for_changes:
        flash("这次会议已取消或归档，不能再改时间地点。", "error")
        return redirect(url_for("meetings.detail", meeting_id=meeting.id), code=303)
    start = clock.to_local(meeting.starts_at)
    form = MoveForm(data=None if request.method == "POST" else {
        "day": start.date(), "start": start.time(), "end": clock.to_local(meeting.ends_at).time(),
        "place": meeting.place})
    if form.validate_on_submit():
        problem = services.plan_day_problem(form.day.data) or services.move_problem(
            meeting, _local(form.day.data, form.end.data))
        if problem is None:
            services.move_meeting(current_user, meeting, _local(form.day.data, form.start.data),
                                  _local(form.day.data, form.end.data),
                                  (form.place.data or "").strip())
            flash("时间地点已更改。", "success")
            return redirect(url_for("meetings.detail", meeting_id=meeting.id), code=303)
        form.day.errors = list(form.day.errors) + [problem]
    return render_template("meetings/edit.html", meeting=meeting, form=form)


@bp.get("/<int:meeting_id>/notice")
def notice(meeting_id):
    meeting = _meeting(meeting_id)
    require("meeting.plan", meeting.org)
    return render_template("meetings/notice.html", meeting=meeting,
                           text=services.notice_text(meeting))


# ---- leave --------------------------------------------------------------------------------------
@bp.route("/<int:meeting_id>/leave", methods=["GET", "POST"])
@login_required
def request_leave(meeting_id):
    meeting = _meeting(meeting_id)
    if not services.is_attendee(meeting.id, current_user.id):
        abort(403)
    form = LeaveForm()
    if form.validate_on_submit():
        problem = services.request_leave(current_user, meeting, form.leave_type.data,
                                         form.reason.data.strip())
        if problem is None:
            flash("请假申请已提交，等待书记审批。", "success")
            return redirect(url_for("meetings.detail", meeting_id=meeting.id), code=303)
        flash(problem, "error")
    return render_template("meetings/leave.html", meeting=meeting, form=form)


@bp.post("/leave/<int:leave_id>")
def decide_leave(leave_id):
    leave = db.session.get(LeaveRequest, leave_id)
    if leave is None:
        abort(404)
    require("leave.approve", leave.meeting.branch)
    form = DecideForm()
    if form.validate_on_submit() and form.decision.data in ("approve", "reject") \
            and leave.status == "pending":
        services.decide_leave(current_user, leave, form.decision.data == "approve")
        flash("已处理请假申请。", "success")
    return redirect(url_for("meetings.detail", meeting_id=leave.meeting_id), code=303)


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
PENDING_KEY = "pending_checkin"


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
    session[PENDING_KEY] = {"meeting_id": meeting.id, "scanned_at": clock.now().timestamp()}
    flash("请先登录，登录后自动完成签到。", "info")
    return redirect(url_for("auth.login", next=url_for("meetings.scan_complete",
                                                       meeting_id=meeting.id)))


@bp.get("/<int:meeting_id>/c")
@login_required
def scan_complete(meeting_id):
    """Where the log-in page returns after a scan by a logged-out phone."""
    meeting = _meeting(meeting_id)
    if not services.is_attendee(meeting.id, current_user.id):
        return _refusal(meeting, "not_on_list")
    problem = checkin.pending_scan_ok(session.pop(PENDING_KEY, None), meeting.id)
    if problem:
        return _refusal(meeting, problem)
    shown = _snapshot(meeting)   # read before the commit expires the row
    return _checked_in(shown, checkin.check_in(meeting, current_user.id, client_id=_device_id()))


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


# ---- closing ------------------------------------------------------------------------------------
@bp.route("/<int:meeting_id>/close", methods=["GET", "POST"])
def close(meeting_id):
    meeting = _meeting(meeting_id)
    if meeting.is_closed:
        require("meeting.amend", meeting.org)
    else:
        _require_run(meeting)
    form = MinutesForm(data=None if request.method == "POST" else {"minutes": meeting.minutes})
    problems = []
    if form.validate_on_submit():
        if meeting.is_closed:
            problems = services.amend_minutes(current_user, meeting, form.minutes.data)
        else:
            problems = services.close_meeting(current_user, meeting, form.minutes.data)
        if not problems:
            flash("会议记录已保存并归档。" if not meeting.minutes else "会议记录已保存。", "success")
            return redirect(url_for("meetings.detail", meeting_id=meeting.id), code=303)
    return render_template("meetings/close.html", meeting=meeting, form=form, problems=problems,
                           counts=services.meeting_counts([meeting.id])[meeting.id])


@bp.post("/<int:meeting_id>/photos")
@limiter.limit("20 per 10 minutes")   # per account: a recorder adds a few photos per meeting
def upload_photo(meeting_id):
    meeting = _meeting(meeting_id)
    _require_run(meeting)
    if not CancelForm().validate_on_submit():     # the CSRF check (the form has no fields)
        abort(400)
    upload = request.files.get("photo")
    problem = services.photo_problem(meeting, photos.MAX_PER_MEETING)
    if problem is None and (upload is None or not upload.filename):
        problem = "请选择一张照片。"
    if problem is None:
        try:
            services.add_photo(current_user, meeting, photos.save_photo(upload.stream))
        except photos.PhotoError as exc:
            problem = str(exc)
    flash(problem or "照片已上传。", "error" if problem else "success")
    return redirect(url_for("meetings.detail", meeting_id=meeting.id), code=303)


@bp.get("/photos/<name>")
def photo(name):
    meeting = services.photo_meeting(name) if photos.is_photo_name(name) else None
    if meeting is None:
        abort(404)
    if not (current_user.is_authenticated and services.is_attendee(meeting.id, current_user.id)):
        require("meeting.view", meeting.org)
    response = send_from_directory(photos.photo_folder(), name, mimetype="image/jpeg",
                                   max_age=3600)
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@bp.post("/makeup/<int:study_id>/done")
@login_required
def makeup_done(study_id):
    if not services.finish_make_up(current_user, study_id):
        abort(404)
    flash("已记录补学完成。", "success")
    return redirect(url_for("meetings.index"), code=303)


# ---- ledger and compliance ----------------------------------------------------------------------
def _ledger_context(branch_id: int):
    branch = _branch(branch_id)
    require("meeting.ledger", branch)
    period = ledger.parse_period(request.args.get("period"))
    kind_id = request.args.get("kind", type=int)
    meetings, counts = ledger.ledger(branch, period, kind_id)
    return dict(branch=branch, period=period, kind_id=kind_id, meetings=meetings, counts=counts,
                kinds=services.active_kinds(),
                plans=ledger.filed_plans([branch.id], period.first, period.last, kind_id),
                flags=ledger.flagged_check_ins([m.id for m in meetings]))


@bp.get("/ledger/<int:branch_id>")
def ledger_page(branch_id):
    return render_template("meetings/ledger.html", **_ledger_context(branch_id))


@bp.get("/ledger/<int:branch_id>/print")
def ledger_print(branch_id):
    context = _ledger_context(branch_id)
    context["rows"] = services.attendee_rows_by_meeting([m.id for m in context["meetings"]])
    return render_template("meetings/ledger_print.html", **context)


@bp.get("/ledger/<int:branch_id>/export.xlsx")
def ledger_export(branch_id):
    branch = _branch(branch_id)
    require("meeting.ledger", branch)
    period = ledger.parse_period(request.args.get("period"))
    data = ledger.export_workbook(branch, period)
    return send_file(io.BytesIO(data), as_attachment=True,
                     download_name=f"meetings-{branch.slug or branch.id}-{period.key}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.get("/compliance/<int:branch_id>")
def compliance(branch_id):
    branch = _branch(branch_id)
    require("meeting.ledger", branch)
    period = ledger.parse_period(request.args.get("period"))
    return render_template("meetings/compliance.html", branch=branch, period=period,
                           result=ledger.branch_compliance([branch.id], period)[branch.id],
                           backfilled=[m for m in ledger.held_meetings(
                               [branch.id], period.first, period.last, with_people=False)
                               if m.backfilled])


# ---- standing exemptions ------------------------------------------------------------------------
def _exemption_page(branch: Organization, form: ExemptionForm, problem: str | None = None):
    return render_template("meetings/exemptions.html", branch=branch, form=form, problem=problem,
                           rows=services.branch_exemptions(branch), today=clock.today(),
                           can_approve=can(current_user, "exemption.approve", branch))


def _exemption_form(branch: Organization) -> tuple[ExemptionForm, dict]:
    members = services.branch_party_members(branch)
    form = ExemptionForm()
    form.person_id.choices = [SelectChoice(p.id, p.name) for p in members]
    return form, {p.id: p for p in members}


@bp.get("/exemptions/<int:branch_id>")
def exemptions(branch_id):
    branch = _branch(branch_id)
    require("leave.approve", branch)
    form, _ = _exemption_form(branch)
    return _exemption_page(branch, form)


@bp.post("/exemptions/<int:branch_id>")
def approve_exemption(branch_id):
    branch = _branch(branch_id)
    require("exemption.approve", branch)
    form, members = _exemption_form(branch)
    if not form.validate_on_submit():
        return _exemption_page(branch, form)
    problem = services.exemption_problem(branch, form.person_id.data, form.starts_on.data,
                                         form.ends_on.data, form.reason.data, set(members))
    if problem:
        return _exemption_page(branch, form, problem)
    services.approve_exemption(current_user, branch, members[form.person_id.data],
                               form.starts_on.data, form.ends_on.data, form.reason.data)
    flash("已批准免于参加：这段时间的会议不计缺席，也不用补学。", "success")
    return redirect(url_for("meetings.exemptions", branch_id=branch.id), code=303)


@bp.post("/exemptions/end/<int:exemption_id>")
def end_exemption(exemption_id):
    row = db.session.get(AttendanceExemption, exemption_id)
    if row is None:
        abort(404)
    branch = _branch(row.branch_id)
    require("exemption.approve", branch)
    if CancelForm().validate_on_submit() and row.ends_on >= clock.today():
        services.end_exemption(current_user, row)
        flash("已提前结束：今后的会议重新计入应到。", "success")
    return redirect(url_for("meetings.exemptions", branch_id=branch.id), code=303)


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
    db.session.commit()
    flash(f"已为{person.name}换发新签到码，旧码作废。", "success")
    return redirect(url_for("meetings.code_sheet", branch_id=branch.id), code=303)


# ---- kinds and frequencies (town admin) ---------------------------------------------------------
def _require_town_admin() -> None:
    if not current_user.is_authenticated:
        abort(current_app.login_manager.unauthorized())
    if not orgs_where(current_user, "town.manage"):
        abort(403)


@bp.get("/kinds")
def kinds():
    _require_town_admin()
    all_kinds = list(db.session.scalars(select(MeetingKind).order_by(MeetingKind.sort_order)))
    if not all_kinds:
        services.ensure_default_kinds()
        db.session.commit()
        all_kinds = list(db.session.scalars(select(MeetingKind).order_by(MeetingKind.sort_order)))
    forms = {k.id: KindForm(prefix=f"k{k.id}", data={
        "period": k.period or "", "min_per_period": k.min_per_period,
        "active": "1" if k.active else "0", "circle": k.circle}) for k in all_kinds}
    return render_template("meetings/kinds.html", kinds=all_kinds, forms=forms)


@bp.post("/kinds/<int:kind_id>")
def update_kind(kind_id):
    _require_town_admin()
    kind = db.session.get(MeetingKind, kind_id)
    if kind is None:
        abort(404)
    form = KindForm(prefix=f"k{kind.id}")
    if form.validate_on_submit():
        services.update_kind(current_user, kind, form.period.data or None,
                             form.min_per_period.data, form.active.data == "1", form.circle.data)
        flash(f"已保存：{kind.name}", "success")
    else:
        flash("请检查填写的频次和次数。", "error")
    return redirect(url_for("meetings.kinds"), code=303)

