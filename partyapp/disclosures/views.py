"""Routes of the disclosures feature: the 公开 tab (management for officers, the way to the
village's public page for everyone), commitments, decisions, review rounds, photos."""
from flask import (Blueprint, abort, flash, redirect, render_template, request, send_from_directory,
                   url_for)
from flask_login import current_user, login_required

from .. import authz
from ..extensions import db, limiter
from ..models import Organization
from . import people
from . import commitments as commitment_service
from . import decisions as decision_service
from . import reviews as review_service
from .forms import (AssessmentForm, CommitmentForm, DecisionForm, PlainForm, ProgressForm,
                    StepForm, choices)
from .models import Commitment, CommitmentKind, Decision, Rating, ReviewRound
from .photos import PhotoError, is_photo_name, photo_folder, save_photo

bp = Blueprint("disclosures", __name__, url_prefix="/disclosures")


def _branch_or_404(branch_id: int) -> Organization:
    branch = db.session.get(Organization, branch_id)
    if branch is None or branch.kind not in ("branch", "general"):
        abort(404)
    return branch


def _get_or_404(model, object_id):
    found = db.session.get(model, object_id)
    if found is None:
        abort(404)
    return found


@bp.get("/")
@login_required
def index():
    managed = [org for org in authz.orgs_where(current_user, "disclosure.manage")
               if org.kind in ("branch", "general")]
    return render_template("disclosures/index.html", **people.index_context(current_user, managed))


# ---- commitments -----------------------------------------------------------------------------
@bp.route("/b/<int:branch_id>/commitments/new", methods=["GET", "POST"])
def new_commitment(branch_id):
    """Officers register anyone's commitment; a member makes his own 党员承诺 (亮承诺)."""
    branch = _branch_or_404(branch_id)
    authz.require("commitment.own", branch)
    form = _commitment_form(branch)
    if form.validate_on_submit():
        try:
            commitment = commitment_service.create_commitment(
                current_user, branch, _commitment_input(form), form.committee_ids)
        except commitment_service.CommitmentError as exc:
            form.kind.errors = [str(exc)]
        else:
            flash("承诺事项已登记", "success")
            return redirect(url_for(".commitment", commitment_id=commitment.id), code=303)
    return render_template("disclosures/commitment_form.html", form=form, branch=branch)


def _commitment_form(branch) -> CommitmentForm:
    form = CommitmentForm()
    if authz.can(current_user, "disclosure.manage", branch):
        members, form.committee_ids = people.branch_people(branch)
        form.owner_id.choices = choices((p.id, p.name) for p in members)
    else:
        form.committee_ids = set()
        form.owner_id.choices = choices([(current_user.id, current_user.name)])
        form.kind.choices = choices([(CommitmentKind.MEMBER, CommitmentKind.LABELS["member"])])
    form.decision_id.choices = choices([(0, "（不关联）")] + [
        (d.id, d.title) for d in decision_service.branch_decisions([branch.id])])
    return form


def _commitment_input(form) -> commitment_service.CommitmentInput:
    return commitment_service.CommitmentInput(
        owner_id=form.owner_id.data, kind=form.kind.data, title=form.title.data.strip(),
        content=form.content.data or "", baseline=form.baseline.data, target=form.target.data,
        due_on=form.due_on.data, decision_id=form.decision_id.data or None)


def _commitment_page(commitment, progress_form=None, assessment_form=None):
    branch = db.session.get(Organization, commitment.branch_id)
    return render_template(
        "disclosures/commitment.html", commitment=commitment, branch=branch,
        progress_form=progress_form or ProgressForm(status=commitment.status,
                                                    percent=commitment.percent),
        assessment_form=assessment_form or AssessmentForm(),
        can_update=_can_update(commitment, branch),
        can_manage=authz.can(current_user, "disclosure.manage", branch),
        judge_problem=commitment_service.judge_problem(current_user, commitment),
        assessments=commitment_service.assessments_of([commitment.id]).get(commitment.id, []))


def _can_update(commitment, branch) -> bool:
    if authz.can(current_user, "disclosure.manage", branch) or authz.can(
            current_user, "commitment.judge", branch):
        return True
    return commitment.owner_id == current_user.id and authz.can(
        current_user, "commitment.own", branch)


@bp.get("/c/<int:commitment_id>")
def commitment(commitment_id):
    commitment = _get_or_404(Commitment, commitment_id)
    authz.require("branch.view", db.session.get(Organization, commitment.branch_id))
    return _commitment_page(commitment)


@bp.post("/c/<int:commitment_id>/progress")
@limiter.limit("20 per 10 minutes")   # per account: every upload route has its limit
def add_progress(commitment_id):
    commitment = _get_or_404(Commitment, commitment_id)
    branch = db.session.get(Organization, commitment.branch_id)
    authz.require("branch.view", branch)
    if not _can_update(commitment, branch):
        abort(403)
    form = ProgressForm()
    if form.validate_on_submit():
        problem = commitment_service.progress_problem(current_user, commitment,
                                                      form.percent.data, form.status.data)
        try:
            if problem:   # before the photo is stored
                raise commitment_service.CommitmentError(problem)
            upload = request.files.get("photo")
            photo = save_photo(upload.stream) if upload and upload.filename else None
            commitment_service.add_progress(current_user, commitment, form.text.data,
                                            form.percent.data, form.status.data, photo)
        except PhotoError as exc:
            form.photo.errors = [str(exc)]
        except commitment_service.CommitmentError as exc:
            form.status.errors = [str(exc)]
        else:
            flash("进展已更新", "success")
            return redirect(url_for(".commitment", commitment_id=commitment.id), code=303)
    return _commitment_page(commitment, progress_form=form)


@bp.post("/c/<int:commitment_id>/assessment")
def assess(commitment_id):
    commitment = _get_or_404(Commitment, commitment_id)
    branch = db.session.get(Organization, commitment.branch_id)
    authz.require("commitment.judge", branch)   # and never the owner: the service says why
    form = AssessmentForm()
    if form.validate_on_submit():
        try:
            commitment_service.record_assessment(current_user, commitment, form.kind.data,
                                                 form.period.data, form.verdict.data,
                                                 form.reasons.data)
        except commitment_service.CommitmentError as exc:
            form.period.errors = [str(exc)]
        else:
            flash("考核结论已记录并公开", "success")
            return redirect(url_for(".commitment", commitment_id=commitment.id), code=303)
    return _commitment_page(commitment, assessment_form=form)


@bp.get("/photos/<name>")
def photo(name):
    if not is_photo_name(name):
        abort(404)
    return send_from_directory(photo_folder(), name, mimetype="image/jpeg", max_age=86400)


# ---- decisions -------------------------------------------------------------------------------
@bp.route("/b/<int:branch_id>/decisions/new", methods=["GET", "POST"])
def new_decision(branch_id):
    branch = _branch_or_404(branch_id)
    authz.require("disclosure.manage", branch)
    form = DecisionForm()
    form.procedure.choices = choices((p.code, p.name) for p in decision_service.procedures())
    if form.validate_on_submit():
        decision = decision_service.start_decision(current_user, branch, form.procedure.data,
                                                   form.title.data.strip(), form.summary.data)
        flash("决策事项已建立，请按步骤记录", "success")
        return redirect(url_for(".decision", decision_id=decision.id), code=303)
    return render_template("disclosures/decision_form.html", form=form, branch=branch)


def _decision_page(decision, form=None):
    branch = db.session.get(Organization, decision.branch_id)
    step = decision_service.next_step(decision)
    counts = decision_service.roster_counts(branch.id) if step and step.is_meeting else {}
    if form is None:
        form = StepForm(expected=_default_expected(step, counts))
    _meeting_choices(form, branch.id)
    return render_template("disclosures/decision.html", decision=decision, branch=branch,
                           step=step, form=form, counts=counts,
                           can_manage=authz.can(current_user, "disclosure.manage", branch))


def _meeting_choices(form, branch_id):
    form.meeting_id.choices = [(0, "不关联会议（手工填写人数）")] + \
        decision_service.linkable_meetings(branch_id)


def _default_expected(step, counts):
    if step is None or not step.is_meeting:
        return None
    if step.pass_base == "expected":
        return counts.get("full_members")
    return counts.get("reps") if "村民代表" in step.body else None


@bp.get("/d/<int:decision_id>")
def decision(decision_id):
    decision = _get_or_404(Decision, decision_id)
    authz.require("branch.view", db.session.get(Organization, decision.branch_id))
    return _decision_page(decision)


@bp.post("/d/<int:decision_id>/step")
def record_step(decision_id):
    decision = _get_or_404(Decision, decision_id)
    authz.require("disclosure.manage", db.session.get(Organization, decision.branch_id))
    form = StepForm()
    _meeting_choices(form, decision.branch_id)
    position = request.form.get("position", "")
    if form.validate_on_submit() and (position.isascii() and position.isdigit()):
        data = decision_service.StepInput(**{name: form[name].data for name in (
            "held_on", "expected", "present", "votes_for", "votes_against",
            "votes_abstain")}, meeting_id=form.meeting_id.data or None, public_text=form.public_text.data or "",
            minutes=form.minutes.data or "")
        try:
            record = decision_service.record_step(current_user, decision, int(position), data)
        except decision_service.StepError as exc:
            form.held_on.errors = [str(exc)]
        else:
            flash(f"已记录：{record.name}。{record.outcome}", "success" if record.passed else "error")
            return redirect(url_for(".decision", decision_id=decision.id), code=303)
    return _decision_page(decision, form)


# ---- review rounds ---------------------------------------------------------------------------
@bp.post("/b/<int:branch_id>/reviews")
def open_review(branch_id):
    branch = _branch_or_404(branch_id)
    authz.require("disclosure.manage", branch)
    if PlainForm().validate_on_submit():
        try:
            review = review_service.open_round(current_user, branch)
        except review_service.ReviewError as exc:
            flash(str(exc), "error")
        else:
            flash(f"{review.label}已开始", "success")
    return redirect(url_for(".index"), code=303)


def _review_or_404(round_id):
    review = _get_or_404(ReviewRound, round_id)
    return review, db.session.get(Organization, review.branch_id)


@bp.get("/r/<int:round_id>")
def review(round_id):
    review, branch = _review_or_404(round_id)
    authz.require("review.vote", branch)
    return _review_page(review, branch)


def _review_page(review, branch, error=None):
    commitments = commitment_service.branch_commitments([branch.id])
    return render_template(
        "disclosures/review.html", review=review, branch=branch, commitments=commitments,
        voted=review_service.has_voted(review, current_user.id), ratings=Rating.LABELS,
        totals=review_service.aggregates([review.id]) if not review.is_open else {},
        can_manage=authz.can(current_user, "disclosure.manage", branch), form=PlainForm(),
        error=error)


@bp.post("/r/<int:round_id>/vote")
def vote(round_id):
    review, branch = _review_or_404(round_id)
    authz.require("review.vote", branch)
    form = PlainForm()
    ratings = {int(key[7:]): value for key, value in request.form.items()
               if key.startswith("rating-") and key.isascii() and key[7:].isdigit() and len(key) < 20}
    if form.validate_on_submit():
        try:
            review_service.cast_votes(current_user, review, ratings)
        except review_service.ReviewError as exc:
            return _review_page(review, branch, error=str(exc))
        flash("评议已提交，谢谢！", "success")
        return redirect(url_for(".review", round_id=review.id), code=303)
    return _review_page(review, branch, error="页面已过期，请重新提交。")


@bp.post("/r/<int:round_id>/close")
def close_review(round_id):
    review, branch = _review_or_404(round_id)
    authz.require("disclosure.manage", branch)
    if PlainForm().validate_on_submit():
        try:
            review_service.close_round(current_user, review)
        except review_service.ReviewError as exc:
            flash(str(exc), "error")
        else:
            flash("评议已结束，汇总结果已公开", "success")
    return redirect(url_for(".review", round_id=review.id), code=303)


@bp.app_template_filter("photo_url")
def photo_url(name):
    return url_for("disclosures.photo", name=name) if name else ""

