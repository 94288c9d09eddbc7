"""Routes of planning and carrying a meeting through: the member's pages, plan, publish,
cancel, move, the notice text, closing with minutes, photos, 补学, and the kinds (town admin)."""
from __future__ import annotations

from flask import (abort, current_app, flash, redirect, render_template, request,
                   send_from_directory, url_for)
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from .. import clock
from ..authz import can, home_branch, orgs_where, require
from ..extensions import db, limiter
from ..models import Organization
from . import photos, services
from .forms import CancelForm, DecideForm, KindForm, MinutesForm, MoveForm, PlanForm
from .models import Meeting, MeetingKind
from .views_common import _local, _meeting, _require_run, _roles_on, bp


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
    return services.plan_meeting(current_user, meeting_plan)


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

# ---- kinds and frequencies (town admin) ---------------------------------------------------------
def _require_town_admin() -> None:
    if not current_user.is_authenticated:
        abort(current_app.login_manager.unauthorized())
    if not orgs_where(current_user, "town.manage"):
        abort(403)


@bp.get("/kinds")
def kinds():
    _require_town_admin()
    all_kinds = services.all_kinds()
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
