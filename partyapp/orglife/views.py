"""Routes of 民主评议党员: parse, call a service, render or redirect."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import authz, clock
from ..extensions import db
from ..models import Organization
from . import services
from .forms import ReviewForm
from .models import ReviewGrade

bp = Blueprint("orglife", __name__, url_prefix="/orglife")

MANAGE = "rating.manage"                 # the branch committee (书记、副书记)
SEE_ALL = (MANAGE, "town.oversee")


def _sees_all(branch) -> bool:
    return any(authz.can(current_user, p, branch) for p in SEE_ALL)


def _branch_or_404(branch_id: int) -> Organization:
    branch = db.session.get(Organization, branch_id)
    if branch is None or branch.kind not in ("branch", "general"):
        abort(404)
    if not _sees_all(branch):
        authz.require(MANAGE, branch)
    return branch


def _review_or_404(review_id: int):
    review = services.review_by_id(review_id)
    if review is None:
        abort(404)
    return review


def _access(review):
    """(may vote, sees everything); 403 for everyone else."""
    voter = current_user.is_authenticated and authz.can(current_user, "rating.view", review.branch) \
        and services.is_voter(review, current_user.id)
    sees = _sees_all(review.branch)
    if not (voter or sees):
        authz.require(MANAGE, review.branch)
    return voter, sees


@bp.get("/b/<int:branch_id>")
@login_required
def branch(branch_id):
    branch = _branch_or_404(branch_id)
    return render_template("orglife/branch.html", branch=branch,
                           reviews=services.branch_reviews(branch.id),
                           can_manage=authz.can(current_user, MANAGE, branch),
                           form=ReviewForm(year=clock.today().year))


@bp.post("/b/<int:branch_id>/reviews")
@login_required
def open_review(branch_id):
    branch = _branch_or_404(branch_id)
    authz.require(MANAGE, branch)
    form = ReviewForm()
    if not form.validate_on_submit():
        flash("请填写正确的年度", "error")
        return redirect(url_for(".branch", branch_id=branch.id), code=303)
    result = services.open_review(current_user, branch, form.year.data)
    if isinstance(result, str):
        flash(result, "error")
        return redirect(url_for(".branch", branch_id=branch.id), code=303)
    return redirect(url_for(".review", review_id=result.id), code=303)


@bp.get("/reviews/<int:review_id>")
@login_required
def review(review_id):
    review = _review_or_404(review_id)
    voter, sees = _access(review)
    return _page(review, voter, sees)


def _page(review, voter, sees, error=None, chosen=None, confirm_error=None, confirm_chosen=None):
    voted = voter and services.has_voted(review, current_user.id)
    ratees = services.ratees_for(review, current_user) if voter and not voted else []
    can_manage = authz.can(current_user, MANAGE, review.branch)
    results = services.results(review) if sees and review.closed_at else None
    published = services.latest_notice(review) if review.closed_at else None
    today = clock.today()
    may_confirm = can_manage and review.closed_at and (published is None
                                                       or published.is_final(today))
    return render_template(
        "orglife/review.html", review=review, voter=voter, voted=voted, ratees=ratees,
        grades=ReviewGrade, error=error, chosen=chosen or {}, can_manage=can_manage,
        results=results, members=services.members(review.branch) if results else [],
        proposals=services.proposals(review) if may_confirm else [],
        confirm_error=confirm_error, confirm_chosen=confirm_chosen or {}, published=published,
        outcomes=services.visible_outcomes(published, current_user.id, sees) if published else [],
        today=today)


@bp.post("/reviews/<int:review_id>/ballot")
@login_required
def cast(review_id):
    review = _review_or_404(review_id)
    voter, sees = _access(review)
    if not voter:
        abort(403)
    grades = _picked("grade-")
    error = services.cast_ballot(current_user, review, grades)
    if error:
        return _page(review, voter, sees, error=error, chosen=grades)
    flash("已投票，谢谢参与（无记名）", "success")
    return redirect(url_for(".review", review_id=review.id), code=303)


def _picked(prefix: str) -> dict[int, str]:
    picked = {}
    for key, value in request.form.items():
        if key.startswith(prefix):
            try:
                picked[int(key[len(prefix):])] = value
            except ValueError:
                abort(400)
    return picked


@bp.post("/reviews/<int:review_id>/close")
@login_required
def close(review_id):
    review = _review_or_404(review_id)
    authz.require(MANAGE, review.branch)
    error = services.close_review(current_user, review)
    flash(error or "评议已结束，选票已计数并销毁，请支委会确认结果", "error" if error else "success")
    return redirect(url_for(".review", review_id=review.id), code=303)


@bp.post("/reviews/<int:review_id>/confirm")
@login_required
def confirm(review_id):
    review = _review_or_404(review_id)
    authz.require(MANAGE, review.branch)
    voter, sees = _access(review)
    chosen = _picked("outcome-")
    poor = set(_picked("poor-"))
    days = request.form.get("notice_days", type=int) or 0
    result = services.confirm_and_publish(current_user, review, chosen, poor, days)
    if isinstance(result, str):
        return _page(review, voter, sees, confirm_error=result, confirm_chosen=chosen)
    flash("结果已确认并公示", "success")
    return redirect(url_for(".review", review_id=review.id) + "#outcomes", code=303)
