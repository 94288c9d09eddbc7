"""Routes of the training feature: the town's sessions (plan, check in) and the missing
secretaries, a branch's per-person hours with external course records, and the member's own."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import clock
from ..authz import BRANCH_KINDS, require, require_org
from ..extensions import db
from ..models import Organization, OrgKind
from . import services
from .forms import RecordForm, SessionForm
from .models import TrainingKind

bp = Blueprint("training", __name__, url_prefix="/training")


def _org(org_id: int, kinds, permission: str) -> Organization:
    return require_org(permission, org_id, kinds)


def _year() -> int:
    text = request.args.get("year", "")
    return int(text) if (text.isascii() and text.isdigit()
                         and 2000 <= int(text) <= 2100) else clock.today().year


@bp.get("/mine")
@login_required
def mine():
    year = _year()
    return render_template("training/mine.html", year=year, target=services.member_target(),
                           tally=services.tallies([current_user.id], year)[current_user.id])


@bp.get("/town/<int:town_id>")
def town(town_id):
    town = _org(town_id, (OrgKind.TOWN,), "training.plan")
    return _town_page(town, SessionForm(formdata=None, data={"starts_on": clock.today()}))


def _town_page(town, form):
    year = _year()
    return render_template("training/town.html", town=town, year=year, form=form,
                           sessions=services.sessions_of(town, year),
                           figures=services.town_training(town, year), kinds=TrainingKind.LABELS)


@bp.post("/town/<int:town_id>/sessions")
def plan(town_id):
    town = _org(town_id, (OrgKind.TOWN,), "training.plan")
    form = SessionForm()
    if form.validate_on_submit():
        try:
            session = services.plan_session(town, form.kind.data, form.title.data,
                                            form.starts_on.data, form.days.data, form.hours.data,
                                            form.place.data, current_user)
        except services.TrainingError as exc:
            db.session.rollback()
            form.title.errors = list(form.title.errors) + [str(exc)]
        else:
            flash("已安排培训", "success")
            return redirect(url_for("training.session", session_id=session.id), code=303)
    return _town_page(town, form)


def _session(session_id: int):
    session = services.session_in(session_id)
    if session is None:
        abort(404)
    require("training.plan", session.org)
    return session


@bp.get("/sessions/<int:session_id>")
def session(session_id):
    found = _session(session_id)
    return render_template("training/session.html", session=found, kinds=TrainingKind.LABELS,
                           participants=services.participants(found))


@bp.post("/sessions/<int:session_id>/checkin")
def check_in(session_id):
    found = _session(session_id)
    ids = [v for v in request.form.getlist("person_id") if v.isascii() and v.isdigit()]
    try:
        count = services.check_in(found, ids, current_user)
    except services.TrainingError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return render_template("training/session.html", session=found,
                               kinds=TrainingKind.LABELS,
                               participants=services.participants(found))
    flash(f"已签到{count}人", "success")
    return redirect(url_for("training.session", session_id=found.id), code=303)


@bp.get("/branch/<int:branch_id>")
def branch(branch_id):
    branch = _org(branch_id, BRANCH_KINDS, "training.view")
    return _branch_page(branch, RecordForm(formdata=None, data={"started_on": clock.today()}))


def _branch_page(branch, form):
    year = _year()
    rows = services.branch_rows(branch, year)
    form.person_id.choices = [(str(r.person.id), r.person.name) for r in rows]
    return render_template("training/branch.html", branch=branch, year=year, rows=rows,
                           form=form, target=services.member_target())


@bp.post("/branch/<int:branch_id>/records")
def add_record(branch_id):
    branch = _org(branch_id, BRANCH_KINDS, "training.record")
    form = RecordForm()
    rows = {str(r.person.id): r.person for r in services.branch_rows(branch, clock.today().year)}
    form.person_id.choices = [(pid, p.name) for pid, p in rows.items()]
    if form.validate_on_submit():
        try:
            services.add_record(branch, rows[form.person_id.data], form.title.data,
                                form.provider.data, form.started_on.data, form.days.data,
                                form.hours.data, form.rotation.data, current_user)
        except services.TrainingError as exc:
            db.session.rollback()
            form.title.errors = list(form.title.errors) + [str(exc)]
        else:
            flash("已登记培训", "success")
            return redirect(url_for("training.branch", branch_id=branch.id), code=303)
    return _branch_page(branch, form)
