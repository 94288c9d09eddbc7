"""Routes of the 党费 feature: the member's own records, the recorder's dues book (month sheet,
a member's profile, payments, entered amounts) and the arrears page of the secretary and the
组织委员."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import clock
from ..authz import require_org
from ..extensions import db
from ..models import Organization
from . import services
from .forms import DueForm, NoteForm, PaymentForm, ProfileForm
from .models import DuesCategory

bp = Blueprint("dues", __name__, url_prefix="/dues")


def _branch(branch_id: int, permission: str) -> Organization:
    return require_org(permission, branch_id)


def _member(branch, person_id):
    person = services.member_of(branch, person_id)
    if person is None:
        abort(404)
    return person


def _errors(form) -> str:
    return "；".join(e for errors in form.errors.values() for e in errors) or "请重试。"


@bp.get("/mine")
@login_required
def mine():
    return render_template("dues/mine.html", profile=services.profile_of(current_user.id),
                           records=services.my_records(current_user), services=services,
                           categories=DuesCategory.LABELS)


@bp.get("/branch/<int:branch_id>")
def book(branch_id):
    branch = _branch(branch_id, "dues.record")
    month = services.parse_month(request.args.get("month"))
    return render_template("dues/book.html", branch=branch, month=month,
                           rows=services.month_sheet(branch, month), services=services,
                           months=[services.shift_month(month, -n) for n in range(-1, 12)])


@bp.get("/branch/<int:branch_id>/people/<int:person_id>")
def person(branch_id, person_id):
    branch = _branch(branch_id, "dues.record")
    member = _member(branch, person_id)
    profile = services.profile_of(member.id)
    return _person_page(branch, member, profile, _profile_form(profile), None)


def _profile_form(profile):
    return ProfileForm(formdata=None, data={
        "category": profile.category if profile else DuesCategory.FARMER,
        "base": services.yuan(profile.base_fen).replace(",", "")
        if profile and profile.base_fen else "",
        "fixed": services.yuan(profile.fixed_fen) if profile and profile.fixed_fen else "1.00"})


def _person_page(branch, member, profile, profile_form, payment_form, status=200):
    records = services.records_of(branch, member.id)
    payment_form = payment_form or PaymentForm(formdata=None, data={"paid_on": clock.today()})
    payment_form.months.choices = [(r.month, f"{services.month_label(r.month)} "
                                              f"{services.yuan(r.due_fen)}元")
                                   for r in records if not r.paid]
    return render_template("dues/person.html", branch=branch, member=member, profile=profile,
                           form=profile_form, payment_form=payment_form, records=records,
                           due_form=DueForm(), services=services,
                           categories=DuesCategory.LABELS), status


def _saved(form, error_field, save, done: str, branch, member):
    """Run a member form's save: the redirect to the member's page when it worked, else None
    (the form then carries the reason on error_field and the page is shown again)."""
    if not form.validate_on_submit():
        return None
    try:
        save()
    except services.DuesError as exc:
        db.session.rollback()
        error_field.errors = list(error_field.errors) + [str(exc)]
        return None
    flash(done, "success")
    return redirect(url_for("dues.person", branch_id=branch.id, person_id=member.id), code=303)


@bp.post("/branch/<int:branch_id>/people/<int:person_id>/profile")
def profile(branch_id, person_id):
    branch = _branch(branch_id, "dues.record")
    member = _member(branch, person_id)
    form = ProfileForm()
    answer = _saved(form, form.category, lambda: services.set_profile(
        branch, member, form.category.data, services.parse_yuan(form.base.data),
        services.parse_yuan(form.fixed.data), current_user),
        f"已保存{member.name}的交纳标准", branch, member)
    return answer or _person_page(branch, member, services.profile_of(member.id), form, None)


@bp.post("/branch/<int:branch_id>/people/<int:person_id>/pay")
def pay(branch_id, person_id):
    branch = _branch(branch_id, "dues.record")
    member = _member(branch, person_id)
    form = PaymentForm()
    answer = _saved(form, form.months, lambda: services.record_payment(
        branch, member, form.months.data or [], form.paid_on.data, form.how.data,
        form.approved.data, current_user),
        f"已登记{member.name}交纳党费", branch, member)
    if answer:
        return answer
    profile = services.profile_of(member.id)
    return _person_page(branch, member, profile, _profile_form(profile), form)


@bp.post("/branch/<int:branch_id>/records/<int:record_id>/due")
def enter_due(branch_id, record_id):
    branch = _branch(branch_id, "dues.record")
    record = services.record_in(branch, record_id)
    if record is None:
        abort(404)
    form = DueForm()
    try:
        if not form.validate_on_submit():
            raise services.DuesError(_errors(form))
        services.enter_due(branch, record, services.parse_yuan(form.due.data), current_user)
    except services.DuesError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        member = _member(branch, record.person_id)
        profile = services.profile_of(member.id)
        return _person_page(branch, member, profile, _profile_form(profile), None)
    flash("已按核定金额记录", "success")
    return redirect(url_for("dues.person", branch_id=branch.id, person_id=record.person_id),
                    code=303)


@bp.get("/branch/<int:branch_id>/arrears")
def arrears(branch_id):
    branch = _branch(branch_id, "dues.arrears")
    return render_template("dues/arrears.html", branch=branch, rows=services.arrears(branch),
                           form=NoteForm(), services=services)


@bp.post("/branch/<int:branch_id>/arrears/<int:person_id>/note")
def add_note(branch_id, person_id):
    branch = _branch(branch_id, "dues.arrears")
    member = _member(branch, person_id)
    form = NoteForm()
    try:
        if not form.validate_on_submit():
            raise services.DuesError(_errors(form))
        services.add_note(branch, member, form.kind.data, form.text.data, current_user)
    except services.DuesError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return arrears(branch.id)
    flash(f"已记下{member.name}的情况", "success")
    return redirect(url_for("dues.arrears", branch_id=branch.id) + f"#p{member.id}", code=303)
