"""The town admin runs the organisation: /org/town/<town_id>/… (permission town.manage)."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import authz, clock
from ..extensions import db
from ..models import OrgKind
from . import structure
from .forms import COMMITTEE_SLOTS, OrgForm, RenameForm, StatusForm, TermForm, TransferForm
from .services import RosterError, is_current
from .views import bp


def _town(town_id: int):
    town = structure.load_town(town_id)
    authz.require("town.manage", town)
    return town


def _org(town, org_id):
    org = structure.org_in_town(town, org_id)
    if org is None:
        abort(404)
    return org


def _person(town, person_id):
    found = structure.person_in_town(town, person_id)
    if found is None:
        abort(404)
    return found


@bp.get("/town/<int:town_id>/orgs")
def town_orgs(town_id):
    town = _town(town_id)
    tree = structure.town_tree(town)
    form = OrgForm()
    form.set_parents(tree)
    return render_template("org/town_orgs.html", town=town, tree=tree, form=form)


@bp.post("/town/<int:town_id>/orgs/new")
def town_org_new(town_id):
    town = _town(town_id)
    tree = structure.town_tree(town)
    form = OrgForm()
    form.set_parents(tree)
    if form.validate_on_submit():
        parent = _org(town, int(form.parent_id.data))
        data = form.to_data()
        problems = structure.check_org_data(parent, data)
        if not problems:
            org = structure.add_org(parent, data, current_user)
            flash(f"已新建{org.name}", "success")
            return redirect(url_for("org.town_orgs", town_id=town.id), code=303)
        form.add_problems(problems)
    return render_template("org/town_orgs.html", town=town, tree=tree, form=form)


@bp.route("/town/<int:town_id>/orgs/<int:org_id>/edit", methods=["GET", "POST"])
def town_org_edit(town_id, org_id):
    town = _town(town_id)
    org = _org(town, org_id)
    form = RenameForm(obj=org if request.method == "GET" else None)
    if form.validate_on_submit():
        data = form.to_data(kind=org.kind)
        problems = [p for p in structure.check_org_data(None, data, org) if p[0] != "kind"]
        if not problems:
            structure.rename_org(org, data, current_user)
            flash(f"已保存{org.name}", "success")
            return redirect(url_for("org.town_orgs", town_id=town.id), code=303)
        form.add_problems(problems)
    return render_template("org/town_org_edit.html", town=town, org=org, form=form)


@bp.route("/town/<int:town_id>/orgs/<int:org_id>/term", methods=["GET", "POST"])
def town_term(town_id, org_id):
    town = _town(town_id)
    branch = _org(town, org_id)
    if branch.kind not in (OrgKind.BRANCH, OrgKind.GENERAL_BRANCH):
        abort(404)
    people = structure.branch_people(branch)
    form = TermForm()
    form.set_people(people)
    if request.method == "GET":
        form.on.data = clock.today()
    elif form.validate_on_submit():
        try:
            structure.change_term(branch, form.officer_ids(), _committee_rows(request.form),
                                  form.on.data, current_user)
        except RosterError as exc:
            db.session.rollback()
            form.on.errors = list(form.on.errors) + [str(exc)]
        else:
            flash(f"{branch.name}换届完成：上届职务已结束，历史保留", "success")
            return redirect(url_for("org.town_orgs", town_id=town.id), code=303)
    return render_template("org/town_term.html", town=town, branch=branch, form=form,
                           officers=structure.current_officers(branch),
                           slots=range(1, COMMITTEE_SLOTS + 1))


def _committee_rows(formdata) -> list[tuple[int, str]]:
    rows = []
    for slot in range(1, COMMITTEE_SLOTS + 1):
        person = formdata.get(f"committee_person_{slot}", "")
        if person.isascii() and person.isdigit():
            rows.append((int(person), formdata.get(f"committee_post_{slot}", "").strip()[:40]))
    return rows


@bp.get("/town/<int:town_id>/people")
def town_people(town_id):
    town = _town(town_id)
    query = request.args.get("q", "")[:40]
    return render_template("org/town_people.html", town=town, query=query,
                           people=structure.town_people(town, query))


@bp.get("/town/<int:town_id>/people/<int:person_id>")
def town_person(town_id, person_id):
    town = _town(town_id)
    person, memberships = _person(town, person_id)
    return _person_page(town, person, memberships, TransferForm(), StatusForm())


def _person_page(town, person, memberships, transfer_form, status_form, status=200):
    tree = structure.town_tree(town)
    transfer_form.set_targets(tree)
    if transfer_form.on.data is None:
        transfer_form.on.data = clock.today()
    if status_form.on.data is None:
        status_form.on.data = clock.today()
    today = clock.today()
    return render_template("org/town_person.html", town=town, person=person,
                           current=[m for m in memberships if is_current(m, today)],
                           past=[m for m in memberships if not is_current(m, today)],
                           transfer_form=transfer_form, status_form=status_form), status


@bp.post("/town/<int:town_id>/people/<int:person_id>/transfer")
def town_transfer(town_id, person_id):
    town = _town(town_id)
    person, memberships = _person(town, person_id)
    form = TransferForm()
    form.set_targets(structure.town_tree(town))
    if form.validate_on_submit():
        target = None if form.target.data == "out" else _org(town, int(form.target.data))
        try:
            structure.transfer_member(town, person, memberships, target, form.on.data,
                                      current_user)
        except RosterError as exc:
            db.session.rollback()
            form.target.errors = list(form.target.errors) + [str(exc)]
        else:
            flash(f"{person.name}的组织关系已转接", "success")
            return redirect(url_for("org.town_person", town_id=town.id, person_id=person.id),
                            code=303)
    return _person_page(town, person, memberships, form, StatusForm())


@bp.post("/town/<int:town_id>/people/<int:person_id>/status")
def town_status(town_id, person_id):
    town = _town(town_id)
    person, memberships = _person(town, person_id)
    form = StatusForm()
    if form.validate_on_submit():
        try:
            structure.set_status(town, person, memberships, form.status.data or None,
                                 form.on.data, current_user)
        except RosterError as exc:
            db.session.rollback()
            form.status.errors = list(form.status.errors) + [str(exc)]
        else:
            flash(f"已登记{person.name}的状态", "success")
            return redirect(url_for("org.town_person", town_id=town.id, person_id=person.id),
                            code=303)
    return _person_page(town, person, memberships, TransferForm(), form)
