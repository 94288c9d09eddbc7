"""Routes of leave (请假 asked and decided) and standing exemptions (长期免于参加)."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from .. import clock
from ..authz import can, require
from ..extensions import db
from ..models import Organization
from . import services
from .forms import CancelForm, DecideForm, ExemptionForm, LeaveForm
from .models import AttendanceExemption, LeaveRequest
from .views_common import _branch, _meeting, bp


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
